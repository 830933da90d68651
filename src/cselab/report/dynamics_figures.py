"""Training dynamics as small multiples: the key metrics against step, one line per run.

A *study* is the runs shown together: those of one sweep or ``cselab dynamics`` folder,
or the run folders given one by one. Its main figure has the paper's panels of Figs. 8-11
(anisotropy baseline, L2 norm, adjusted self- and intra-sentence similarity, from the
registry: :func:`~cselab.report.paper_layout.key_outputs`) with the STS dev Spearman and
the training loss; every other metric goes to the appendix. Runs are labelled by what
differs in their configs (:mod:`cselab.report.run_labels`). Per-layer metrics are drawn at
each run's last layer, or at the layers asked for (one line per run and layer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from cselab.errors import CselabError
from cselab.report.inputs import SOURCE, ReportInputs
from cselab.report.look import line_styles
from cselab.report.page import Figure, FigureOutput
from cselab.report.paper_layout import key_outputs, label
from cselab.report.run_labels import ablation, differing_fields, run_labels
from cselab.report.small_multiples import Panel, draw_panels, series
from cselab.report.tables import Table, to_csv
from cselab.results.dynamics import rows_at_layers
from cselab.results.table import NO_LAYER

#: the training probe's STS dev Spearman (cselab.training.probes) and the logged loss
STS_DEV, TRAIN_LOSS = "sts_dev_spearman", "train_loss"
OTHER_LABELS = {STS_DEV: "STS dev Spearman × 100", TRAIN_LOSS: "training loss"}
Layers = Sequence[int] | str | None


@dataclass
class Study:
    """Runs shown together: ``rows`` (step >= 0), ``labels`` run -> legend label."""

    name: str
    rows: pd.DataFrame
    labels: dict[str, str]
    differing: list[str]
    ablation: str


def studies(rows: pd.DataFrame, inputs: ReportInputs) -> list[Study]:
    """One study per sweep or dynamics input, one for all runs given one by one."""
    configs = inputs.run_configs()
    groups: dict[str, list[int]] = {}
    for index, source in enumerate(inputs.sources):
        if (rows[SOURCE] == index).any():
            name = "training runs" if source.kind == "run" else source.path
            groups.setdefault(name, []).append(index)
    found = []
    for name, indices in groups.items():
        mine = rows[rows[SOURCE].isin(indices)]
        runs = list(dict.fromkeys(mine["run"]))
        known = {run: configs[run] for run in runs if run in configs}
        found.append(Study(
            name, mine, run_labels(runs, configs),
            differing_fields(known) if len(known) == len(runs) else [], ablation(runs, configs),
        ))  # fmt: skip
    return found


def check_layers(rows: pd.DataFrame, layers: Layers) -> str:
    """What ``layers`` means in words; layers no run measured are an error."""
    measured = sorted(set(rows["layer"]) - {NO_LAYER})
    if isinstance(layers, str):
        if layers != "all":
            raise CselabError(f"layers {layers!r}: give 'all' or a list of layers")
        return "every layer"
    if layers is None:
        return "each run's last layer"
    if measured and -1 not in layers and not set(layers) & set(measured):
        raise CselabError(
            f"layers {list(layers)}: the training dynamics have layers {measured} (-1 = last)"
        )
    return f"layers {', '.join(map(str, layers))} (-1 = the last)"


def _panel(study: Study, metric: str, layers: Layers) -> Panel | None:
    rows = study.rows[study.rows["metric"] == metric]
    chosen, drawn = rows_at_layers(rows.assign(run=rows["run"].map(study.labels)), layers)
    if chosen.empty:
        return None
    title = OTHER_LABELS.get(metric, label(metric))
    if drawn:
        title += f" (layer{'s' * (len(drawn) > 1)} {', '.join(map(str, drawn))})"
    lines = {str(run): series(group, "step") for run, group in chosen.groupby("run", sort=False)}
    return Panel(title, lines)


def provenance(rows: pd.DataFrame) -> str:
    """The models and the corpora the probes measured, for a caption."""
    models = ", ".join(dict.fromkeys(m for m in rows["model"] if m)) or "not recorded"
    said = [f"Model: {models}"]
    per_layer = rows["layer"] != NO_LAYER
    geometry = [_corpus(c) for c in dict.fromkeys(rows.loc[per_layer, "corpus"]) if c]
    if per_layer.any():
        said.append(f"geometry probed on {', '.join(geometry) or 'a corpus not recorded'} "
                    "under the default protocol")  # fmt: skip
    dev = [c for c in dict.fromkeys(rows.loc[rows["metric"] == STS_DEV, "corpus"]) if c]
    if dev:
        said.append(f"STS Spearman on the {', '.join(dev)} set")
    return "; ".join(said)


def _corpus(name: str) -> str:
    # cselab.data.corpora.load_corpus names its built-in corpus "default"
    return "cselab's default corpus" if name == "default" else name


def _figure(
    study: Study, metrics: list[str], layers: Layers, out: FigureOutput, *, key: str, main: bool
) -> Figure | None:
    panels = [p for p in (_panel(study, m, layers) for m in metrics) if p is not None]
    if not panels:
        return None
    legend = list(dict.fromkeys(label for p in panels for label in p.lines))
    fig = draw_panels(panels, line_styles(legend), xlabel="training step",
                      columns=3 if main else 4, row_height=2.2 if main else 1.9)  # fmt: skip
    rows = study.rows[study.rows["metric"].isin(metrics)]
    differ = ", ".join(study.differing) or "nothing recorded"
    caption = (
        f"Study: {study.name}; runs differ in {differ}"
        + (f", as in {study.ablation}" if study.ablation else "")
        + f". {provenance(rows)}; per-layer metrics at {check_layers(study.rows, layers)}."
    )
    what = "Learning dynamics" if main else "Other training metrics"
    return out.figure(
        fig, key=key if main else "", title=f"{what} of {len(study.labels)} run(s), per step.",
        caption=caption, alt=f"Small line plots against training step: "
        f"{', '.join(p.title for p in panels)}; one line per run",
        data=Table("data", [], csv=to_csv(rows.drop(columns=[SOURCE], errors="ignore")),
                   csv_name=f"{key}.csv"),
    )  # fmt: skip


def key_metrics(rows: pd.DataFrame) -> list[str]:
    """The key panels present in ``rows``: the paper's four, STS dev, training loss."""
    present = set(rows["metric"])
    return [m for m in [*key_outputs(), STS_DEV, TRAIN_LOSS] if m in present]


def dynamics_figures(
    study: Study, index: int, layers: Layers, out: FigureOutput
) -> tuple[Figure | None, Figure | None]:
    """(the key small multiples, the other metrics for the appendix) of one study."""
    keys = key_metrics(study.rows)
    others = [m for m in dict.fromkeys(study.rows["metric"]) if m not in keys]
    key = f"dynamics_{index}" + (f"_{'_'.join(study.differing)}" if study.differing else "")
    main = _figure(study, keys, layers, out, key=key, main=True)
    rest = _figure(study, others, layers, out, key=f"{key}_other", main=False)
    return main, rest
