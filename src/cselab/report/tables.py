"""HTML-ready tables built from tidy rows: every cell carries the exact value it shows.

``Cell.text`` is the rounded display; ``Cell.value`` is the table's number (``repr``), kept
in a ``data-value`` attribute so readers (and tests) can check it equals the input.
Table 1 (rogue dimensions) and Table 3 (informativity) follow Xiao et al. (2023).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd

#: report sections that are tables (Xiao et al. 2023 Table 1 and Table 3), by the metric
#: registry's section of each output (:func:`cselab.geometry.registry.section_of`)
ROGUE_SECTION = "rogue dimensions"
INFORMATIVITY_SECTION = "informativity"


@dataclass(frozen=True)
class Cell:
    text: str
    value: str = ""  # repr of the exact number, '' for text cells


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""


def format_number(value: float, digits: int = 4) -> str:
    """Integers as integers, other numbers with ``digits`` significant digits."""
    if not math.isfinite(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{digits}g}"


def number(value: float, digits: int = 4) -> Cell:
    return Cell(format_number(float(value), digits), repr(float(value)))


def fixed(value: float, decimals: int = 2) -> Cell:
    return Cell(f"{float(value):.{decimals}f}", repr(float(value)))


def text(value: object) -> Cell:
    return Cell(str(value))


def _metric_order(metric: str) -> tuple:
    numbers = [int(n) for n in re.findall(r"\d+", metric)]
    return (metric.startswith("sentence_"), re.sub(r"\d+", "", metric), numbers)


def table_group(metric: str) -> str:
    """``sentence_`` for sentence embeddings, ``self_similarity_`` for the self-similarity
    shares, ``""`` for other token-level outputs (from the metric registry)."""
    from cselab.geometry.registry import describe

    info = describe(metric)
    if info is None:
        return ""
    if info.level == "sentence":
        return "sentence_"
    return "self_similarity_" if info.spec.name == "self_similarity" else ""


def grouped_wide_tables(rows: pd.DataFrame, title: str) -> list[Table]:
    """One :func:`wide_table` per group (tokens, ``self_similarity_``, ``sentence_``)."""
    prefixes = rows["metric"].map(table_group)
    names = {"": "token embeddings", "sentence_": "sentence embeddings",
             "self_similarity_": "self-similarity (per token type)"}  # fmt: skip
    return [
        wide_table(rows[prefixes == prefix], f"{title}: {names.get(prefix, prefix)}")
        for prefix in sorted(prefixes.unique())
    ]


def wide_table(rows: pd.DataFrame, title: str, note: str = "") -> Table:
    """Rows (model, corpus, layer) × columns (metric), values exactly as in ``rows``."""
    metrics = sorted(rows["metric"].unique(), key=_metric_order)
    keys = ["model", "corpus", "layer"]
    wide = rows.pivot_table(index=keys, columns="metric", values="value", aggfunc="first")
    table = Table(title, [*keys, *metrics], note=note)
    for index, values in wide.sort_index().iterrows():
        cells = [text(part) for part in index]
        cells += [number(values[m]) if pd.notna(values[m]) else text("") for m in metrics]
        table.rows.append(cells)
    return table


def _figure_table(rows: pd.DataFrame, title: str, x: str, line: str, aggfunc: str) -> Table:
    """``x`` × ``line`` table of ``value`` (``aggfunc`` over duplicates), sorted by ``x``."""
    wide = rows.pivot_table(index=x, columns=line, values="value", aggfunc=aggfunc)
    table = Table(title, [x, *map(str, wide.columns)])
    for key, values in wide.sort_index().iterrows():
        table.rows.append([text(key), *(number(v) if pd.notna(v) else text("") for v in values)])
    return table


def over_layers_table(rows: pd.DataFrame, metric: str) -> Table:
    """The data behind a per-layer figure: layer × line (model)."""
    return _figure_table(rows, metric, "layer", "line", aggfunc="first")


def over_steps_table(rows: pd.DataFrame, metric: str) -> Table:
    """The data behind a dynamics figure: step × run (mean over duplicate steps, as drawn)."""
    return _figure_table(rows, metric, "step", "run", aggfunc="mean")


def frame_table(frame: pd.DataFrame, title: str, note: str = "") -> Table:
    """Any frame as is: numbers keep their exact value, everything else is text."""
    table = Table(title, [str(c) for c in frame.columns], note=note)
    for _, row in frame.iterrows():
        table.rows.append(
            [
                number(v)
                if isinstance(v, (int, float)) and not isinstance(v, bool) and pd.notna(v)
                else text("" if pd.isna(v) else v)
                for v in row
            ]
        )
    return table


def sts_tables(result: dict) -> list[Table]:
    """One ``cselab evaluate`` result: scores per dataset and mean, then worst-ranked pairs."""
    label = f"{result.get('model', '?')} (pooling {result.get('pooling', '?')})"
    scores = Table(
        f"STS: {label}",
        ["dataset", "protocol", "n", "Spearman × 100", "Pearson × 100", "truncated"],
        note=f"similarity: {result.get('similarity', 'cosine')}",
    )
    for row in result.get("datasets", []):
        scores.rows.append(
            [
                text(row.get("name", "")),
                text(row.get("protocol", "")),
                text(row.get("n", "")),
                fixed(row["spearman"]),
                fixed(row["pearson"]),
                text(row.get("truncated_sentences", "")),
            ]
        )
    average = result.get("average")
    if average:
        scores.rows.append(
            [
                text(f"average of {average.get('datasets', '')}"),
                text(""),
                text(""),
                fixed(average["spearman"]),
                fixed(average["pearson"]),
                text(""),
            ]
        )
    tables = [scores]
    for row in result.get("datasets", []):
        examples = row.get("examples") or []
        if examples:
            frame = pd.DataFrame(examples)
            tables.append(
                frame_table(
                    frame,
                    f"{row.get('name', '')}: pairs ranked most differently from gold",
                    note="rank_gap = |rank(gold) − rank(cosine)| / n",
                )
            )
    return tables
