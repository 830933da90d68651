"""The findings at the top of the page, generated from the inputs' numbers.

Per model (a line: model, corpus, protocol) the last layer's headline numbers — the key
outputs of the paper's figures (:func:`~cselab.report.paper_layout.key_outputs`), the
dimensions for 50 % of self-similarity, informativity r² at k = 2 and 10 — and its STS
Spearman; per training run the same at its first and last probed step with the STS dev
Spearman. Comparisons are said in words ("… falls from 0.33 to 0.05 (−0.28)") for each
vanilla/fine-tuned pair, for two models measured alike, and for each run's first and last
step; a published value for the model, protocol and corpus is shown beside ours.
Nothing is computed but the difference of two numbers shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cselab.report.dynamics_figures import STS_DEV, Study
from cselab.report.lines import Line
from cselab.report.paper_layout import key_outputs, label
from cselab.report.published import published_geometry, published_sts
from cselab.report.tables import (
    MISSING,
    Cell,
    Table,
    change_cell,
    fixed,
    format_number,
    number,
    row_label,
    text,
)

HEADLINE = (*key_outputs(), "self_similarity_dims_for_50pct", "informativity_r2_k2",
            "informativity_r2_k10")  # fmt: skip
RAW = {"self_similarity_adjusted": "self_similarity"}
MINUS = "−"


def change(name: str, before: float, after: float, digits: int = 3) -> str:
    """``name rises|falls from A to B (±Δ)``, or ``name stays at A`` when both show alike."""
    a, b = format_number(before, digits), format_number(after, digits)
    if a == b:
        return f"{name} stays at {a}"
    verb = "rises" if after > before else "falls"
    sign = "+" if after > before else MINUS
    return f"{name} {verb} from {a} to {b} ({sign}{format_number(abs(after - before), 2)})"


def _sts_change(before: float, after: float) -> str:
    if f"{before:.2f}" == f"{after:.2f}":
        return f"STS dev Spearman stays at {before:.2f}"
    verb = "rises" if after > before else "falls"
    return f"STS dev Spearman {verb} from {before:.2f} to {after:.2f}"


def last_layer(rows: pd.DataFrame, line: Line) -> dict[str, float]:
    mine = line.rows(rows)
    mine = mine[mine["layer"] == line.last_layer]
    return dict(zip(mine["metric"], mine["value"], strict=True))


def sts_of(model: str, results: Sequence[dict]) -> tuple[float, str, str] | None:
    """(Spearman × 100, dataset, published note) of a model's STS result: STS-B test, the
    only dataset, or the average of several."""
    for result in results:
        if result.get("model") != model:
            continue
        datasets = result.get("datasets") or []
        chosen = next((d for d in datasets if published_sts(model, d.get("name", ""))), None)
        if chosen is None and len(datasets) == 1:
            chosen = datasets[0]
        if chosen is not None:
            entry = published_sts(model, chosen.get("name", ""))
            note = f"{entry.short} {entry.value:.2f}" if entry else ""
            return float(chosen["spearman"]), str(chosen.get("name", "")), note
        if result.get("average"):
            count = result["average"].get("datasets", len(datasets))
            return float(result["average"]["spearman"]), f"mean of {count}", ""
    return None


def _headline_cell(line: Line, values: dict[str, float], metric: str) -> Cell:
    if metric not in values:
        return MISSING
    notes = []
    if metric in RAW and RAW[metric] in values:
        raw = published_geometry(line.model, line.protocol, line.corpus, RAW[metric],
                                 line.last_layer, line.last_layer)  # fmt: skip
        shown = f"raw {format_number(values[RAW[metric]], 3)}"
        notes.append(shown + (f", {raw.short} {format_number(raw.value, 3)}" if raw else ""))
    entry = published_geometry(line.model, line.protocol, line.corpus, metric,
                               line.last_layer, line.last_layer)  # fmt: skip
    if entry is not None:
        notes.append(f"{entry.short} {format_number(entry.value, 3)}")
    return number(values[metric], 3, note="; ".join(notes))


def model_table(rows: pd.DataFrame, lines: Sequence[Line], sts: Sequence[dict]) -> Table:
    """One row per line (and per model with only an STS result): last-layer headline."""
    headline = [m for m in HEADLINE if (rows["metric"] == m).any()]
    table = Table(
        "Headline numbers of each model's last layer",
        ["model", "corpus", "protocol", "layer", *map(label, headline), "STS Spearman × 100"],
        note="Beneath a value: a published one for the same model, protocol and corpus "
        "(sources in the appendix), or the raw value an adjusted one comes from.",
    )  # fmt: skip
    for line in lines:
        values = last_layer(rows, line)
        found = sts_of(line.model, sts)
        table.rows.append([
            row_label(line.model), text(line.corpus or "not recorded"),
            text(line.protocol_name), text(line.last_layer),
            *(_headline_cell(line, values, metric) for metric in headline),
            fixed(found[0], note=" · ".join(filter(None, found[1:]))) if found else MISSING,
        ])  # fmt: skip
    for result in sts:
        model = str(result.get("model", ""))
        if any(line.model == model for line in lines) or (found := sts_of(model, [result])) is None:
            continue
        table.rows.append([row_label(model), text("STS only"), MISSING, MISSING,
                           *([MISSING] * len(headline)),
                           fixed(found[0], note=" · ".join(filter(None, found[1:])))])  # fmt: skip
    return table


def pair_findings(
    rows: pd.DataFrame, lines: Sequence[Line], pairs: Sequence[tuple[str, str]]
) -> list[str]:
    """One sentence per compared pair measured alike: each pair from ``cselab compare``,
    else the two models of a (corpus, protocol) that has exactly two."""
    compared = []
    for vanilla, finetuned in pairs:
        for first in lines:
            for second in lines:
                if (first.model, second.model) == (vanilla, finetuned) and (
                    first.corpus, first.protocol) == (second.corpus, second.protocol):  # fmt: skip
                    compared.append((first, second))
    if not compared:
        groups: dict[tuple[str, str], list[Line]] = {}
        for line in lines:
            groups.setdefault((line.corpus, line.protocol), []).append(line)
        compared = [(g[0], g[1]) for g in groups.values() if len(g) == 2]
    sentences = []
    for first, second in compared:
        said = _said(_changes(last_layer(rows, first), last_layer(rows, second)))
        if said:
            sentences.append(
                f"{second.model} against {first.model} ({first.corpus}, "
                f"{first.protocol_name}, last layer): {said}."
            )
    return sentences


def published_findings(rows: pd.DataFrame, lines: Sequence[Line], sts: Sequence[dict]) -> list[str]:
    """One sentence per model with published values: ours beside theirs."""
    sentences = []
    for line in lines:
        values, said = last_layer(rows, line), []
        for metric in HEADLINE:
            entry = published_geometry(line.model, line.protocol, line.corpus, metric,
                                       line.last_layer, line.last_layer)  # fmt: skip
            if entry is not None and metric in values:
                said.append(f"{label(metric)} {format_number(values[metric], 3)} "
                            f"({entry.short}: {format_number(entry.value, 3)})")  # fmt: skip
        found = sts_of(line.model, sts)
        if found and found[2]:
            said.append(f"STS Spearman {found[0]:.2f} on {found[1]} ({found[2]})")
        if said:
            sentences.append(f"{line.model} ({line.protocol_name} on {line.corpus}): "
                             + "; ".join(said) + ".")  # fmt: skip
    return sentences


def _said(changes: list[tuple[str, str]]) -> str:
    """The changes that moved, then the ones that did not, in one clause."""
    moved = [words for words, kind in changes if kind == "moved"]
    still = [name for name, kind in changes if kind == "still"]
    return "; ".join(moved + ([f"unchanged: {', '.join(still)}"] if still else []))


def _changes(a: dict[str, float], b: dict[str, float]) -> list[tuple[str, str]]:
    found = []
    for metric in (*HEADLINE, STS_DEV):
        if metric in a and metric in b:
            name = "STS dev Spearman" if metric == STS_DEV else label(metric)
            words = (
                _sts_change(a[metric], b[metric])
                if metric == STS_DEV
                else change(name, a[metric], b[metric])
            )
            found.append((name, "still") if " stays at " in words else (words, "moved"))
    return found


def run_table(study: Study) -> tuple[Table, list[str]]:
    """Each run's first and last probed step (last layer; ``before → after``), and one
    sentence per run."""
    rows = study.rows
    metrics = [m for m in (*HEADLINE, STS_DEV) if (rows["metric"] == m).any()]
    table = Table(
        f"Training runs: first → last probed step, last layer ({study.name})",
        ["run", "steps", *(label(m) if m != STS_DEV else "STS dev Spearman × 100"
                           for m in metrics)],
    )  # fmt: skip
    sentences = []
    for run, label_ in study.labels.items():
        mine = rows[(rows["run"] == run) & rows["metric"].isin(metrics)]
        mine = mine[mine["layer"].isin([-1, mine["layer"].max()])]
        if mine.empty:
            continue
        first, last = int(mine["step"].min()), int(mine["step"].max())
        a, b = ({m: float(v) for m, v in zip(g["metric"], g["value"], strict=True)}
                for g in (mine[mine["step"] == first], mine[mine["step"] == last]))  # fmt: skip
        table.rows.append([row_label(label_), text(f"{first} → {last}"), *(
            change_cell(a[m], b[m], decimals=2 if m == STS_DEV else None)
            if m in a and m in b else MISSING for m in metrics)])  # fmt: skip
        if last > first and (said := _said(_changes(a, b))):
            sentences.append(f"{label_} (steps {first} to {last}, last layer): {said}.")
    return table, sentences
