"""The appendix's tables: the configuration behind every number, the full tables, the inputs.

- Configuration: the geometry protocols' fields (one column per protocol), each study's
  training configs (the fields they share, then a row per run with the fields that
  differ), each gradient grid's settings, each STS evaluation's settings, the package
  versions of every input, and the sources of the published values shown.
- Full tables: every layer of Tables 1 and 3's families (token and sentence level, the
  mean-cosine dimensions too), values without a layer, the SSC of every token.
- Inputs: each input, what it is and the files read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd

from cselab.geometry.registry import describe
from cselab.report.inputs import KINDS, PROTOCOL, ReportInputs
from cselab.report.paper_layout import TABLE1_SECTION
from cselab.report.published import PUBLISHED
from cselab.report.run_labels import common_fields, differing_fields
from cselab.report.tables import Table, frame_table, row_label, text, wide_table

INDEX = ["model", "corpus", PROTOCOL, "layer"]


def _shown(value: object) -> str:
    """A config value as JSON writes it (true, null, lists), strings as they are."""
    return value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)


def protocol_table(inputs: ReportInputs) -> Table | None:
    """Fields × protocols (a protocol measured with changed options gets its own column)."""
    columns: dict[str, dict] = {}
    for source in inputs.sources:
        for protocol in source.protocols.values():
            name = str(protocol.get("name", "?"))
            same = [k for k, v in columns.items() if v == protocol]
            if not same:
                key = name if name not in columns else f"{name} ({source.path})"
                columns[key] = protocol
    if not columns:
        return None
    fields = list(dict.fromkeys(f for p in columns.values() for f in p if f != "name"))
    table = Table("Geometry protocols (cselab.geometry.protocols)", ["field", *columns])
    for name in fields:
        table.rows.append([row_label(name), *(text(_shown(p.get(name, "–")))
                                              for p in columns.values())])  # fmt: skip
    return table


def training_tables(inputs: ReportInputs, studies: Sequence) -> list[Table]:
    configs = inputs.run_configs()
    tables = []
    for study in studies:
        known = {run: configs[run] for run in study.labels if run in configs}
        if not known:
            continue
        common = common_fields(known)
        differ = differing_fields(known)
        table = Table(
            f"Training configuration: {study.name}", ["run", *differ],
            note="Shared by every run: " + "; ".join(f"{k} {_shown(v)}" for k, v in common.items()),
        )  # fmt: skip
        for run, config in known.items():
            table.rows.append([row_label(run), *(text(_shown(config.get(f))) for f in differ)])
        tables.append(table)
    return tables


def settings_tables(inputs: ReportInputs) -> list[Table]:
    """Gradient grid settings and STS evaluation settings, as recorded."""
    tables = []
    for source in inputs.sources:
        if source.settings and source.kind == "gradients":
            frame = pd.DataFrame(
                [(k, _shown(v)) for k, v in source.settings.items()], columns=["setting", "value"]
            )
            tables.append(frame_table(frame, f"Gradient grid: {source.path}"))
    rows = [
        {k: _shown(v) for k, v in result.items() if k not in ("datasets", "average", "versions")}
        for result in inputs.sts
    ]
    if rows:
        tables.append(frame_table(pd.DataFrame(rows), "STS evaluations", name="sts_settings"))
    return tables


def versions_table(inputs: ReportInputs) -> Table | None:
    rows = [
        {"input": source.path, **source.versions} for source in inputs.sources if source.versions
    ]
    if not rows:
        return None
    return frame_table(pd.DataFrame(rows).fillna(""), "Package versions recorded by each input",
                       name="versions")  # fmt: skip


def published_table() -> Table:
    frame = pd.DataFrame(
        [(p.model, p.what, p.value, "last" if p.layer < 0 else p.layer, p.source)
         for p in PUBLISHED],
        columns=["model", "value of", "published", "layer", "source"],
    )  # fmt: skip
    return frame_table(
        frame, "Published values cselab shows beside its own (cselab.report.published)",
        note="Geometry values only beside the xiao2023 protocol on STS-B test sentence 1 "
        "(sts-test:s1), the paper's measurement.", name="published",
    )  # fmt: skip


def full_tables(static: pd.DataFrame) -> list[Table]:
    """Every layer of the table families (rogue dimensions, informativity), per level."""
    tables = []
    kinds = {}
    for metric in set(static["metric"]):
        found = describe(metric)
        kinds[metric] = (found.section, found.level) if found is not None else ("", "")
    sections = static["metric"].map(lambda m: kinds[m][0])
    levels = static["metric"].map(lambda m: kinds[m][1])
    for section in (TABLE1_SECTION, "informativity"):
        for level in ("token", "sentence"):
            rows = static[(sections == section) & (levels == level)]
            if not rows.empty:
                tables.append(wide_table(
                    rows, INDEX, f"{section.capitalize()}, {level} embeddings, every layer",
                    name=f"{section.replace(' ', '_')}_{level}",
                ))  # fmt: skip
    return tables


def inputs_table(inputs: ReportInputs) -> Table:
    frame = pd.DataFrame(
        [(s.path, KINDS[s.kind], ", ".join(s.files) or "configs only")
         for s in inputs.sources],
        columns=["input", "what", "files read"],
    )  # fmt: skip
    return frame_table(frame, "Inputs", name="inputs")
