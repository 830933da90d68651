"""Xiao et al. (2023)'s Tables 1, 2 and 3 as the paper prints them, from the input rows.

- Table 1 (rogue dimensions, last layer): one column per model, rows the shares of the
  top 1/2/3 dimensions, then the dimensions needed for 10/20/50 % of self-similarity;
- Table 2 (top self-similarity changes): rows by place, per model pair the tokens with
  the most negative (SS ↓, more contextualised) and most positive (SS ↑) change;
- Table 3 (informativity, last layer): one row per model, r² with k as columns.

The paper's own column or row follows a model when the published values
(:mod:`cselab.report.published`) have one for its model, protocol and corpus.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from cselab.report.inputs import PROTOCOL
from cselab.report.lines import Line
from cselab.report.paper_layout import (
    TABLE1_FAMILY,
    TABLE1_SECTION,
    TABLE3_FAMILY,
    XIAO,
    info,
    label,
    number,
    table_outputs,
)
from cselab.report.published import Published, published_geometry
from cselab.report.tables import (
    MISSING,
    Cell,
    Table,
    fixed,
    format_number,
    number as number_cell,
    published,
    row_label,
    text,
    to_csv,
)


def _last_layer_values(rows: pd.DataFrame, line: Line, outputs: list[str]) -> dict[str, float]:
    mine = line.rows(rows)
    mine = mine[(mine["layer"] == line.last_layer) & mine["metric"].isin(outputs)]
    return dict(zip(mine["metric"], mine["value"], strict=True))


def _published(line: Line, outputs: list[str]) -> dict[str, Published]:
    found = {}
    for output in outputs:
        entry = published_geometry(
            line.model, line.protocol, line.corpus, output, line.last_layer, line.last_layer
        )
        if entry is not None:
            found[output] = entry
    return found


def _long_csv(rows: pd.DataFrame, lines: list[Line], outputs: list[str]) -> str:
    """model, corpus, protocol, layer, metric, value of every cell shown (for the download)."""
    parts = []
    for line in lines:
        mine = line.rows(rows)
        parts.append(mine[(mine["layer"] == line.last_layer) & mine["metric"].isin(outputs)])
    columns = ["model", "corpus", PROTOCOL, "layer", "metric", "value"]
    return to_csv(pd.concat(parts)[columns])


def table1(rows: pd.DataFrame, lines: list[Line], labels: dict[Line, str]) -> Table | None:
    """Table 1: models as columns (each at its last layer), the paper's column after a
    model it has values for."""
    outputs = table_outputs(rows["metric"], TABLE1_FAMILY, TABLE1_SECTION)
    shown = [line for line in lines if _last_layer_values(rows, line, outputs)]
    if not outputs or not shown:
        return None
    header: list[str] = [""]
    columns: list[Mapping[str, float | Published]] = []
    for line in shown:
        header.append(f"{labels[line]} (layer {line.last_layer})")
        columns.append(_last_layer_values(rows, line, outputs))
        paper = _published(line, outputs)
        if paper:
            header.append(f"paper ({line.model})")
            columns.append(paper)
    table = Table(
        f"Rogue dimensions of self-similarity, last layer (as {XIAO}, Table 1)", header,
        note="Shares of the self-similarity computation carried by the top 1-3 dimensions, "
        "then how many top dimensions carry 10, 20 and 50 % of it.",
        csv=_long_csv(rows, shown, outputs), csv_name="table1_rogue_dimensions.csv",
    )  # fmt: skip
    for output in outputs:
        cells: list[Cell] = [row_label(label(output))]
        for column in columns:
            value = column.get(output)
            if isinstance(value, Published):
                cells.append(published(value.value, value.source, 3))
            else:
                cells.append(number_cell(value, 3) if value is not None else MISSING)
        table.rows.append(cells)
    return table


def table3(rows: pd.DataFrame, lines: list[Line], labels: dict[Line, str]) -> Table | None:
    """Table 3: one row per model (its last layer), r² for each k; the paper's row after a
    model it has values for."""
    outputs = table_outputs(rows["metric"], TABLE3_FAMILY)
    shown = [line for line in lines if _last_layer_values(rows, line, outputs)]
    if not outputs or not shown:
        return None
    ks = [number(found) for found in map(info, outputs) if found is not None]
    table = Table(
        f"Informativity: r² of the token similarities before and after removing the top-k "
        f"dimensions, last layer (as {XIAO}, Table 3)",
        ["model", *(f"k = {k}" for k in ks)],
        csv=_long_csv(rows, shown, outputs), csv_name="table3_informativity.csv",
    )  # fmt: skip
    for line in shown:
        values = _last_layer_values(rows, line, outputs)
        table.rows.append(
            [row_label(f"{labels[line]} (layer {line.last_layer})")]
            + [fixed(values[o], 3) if o in values else MISSING for o in outputs]
        )
        paper = _published(line, outputs)
        if paper:
            source = next(iter(paper.values())).source
            table.rows.append(
                [row_label(f"paper ({line.model})")]
                + [
                    published(paper[o].value, source, decimals=3) if o in paper else MISSING
                    for o in outputs
                ]  # fmt: skip
            )
    return table


def table2(extremes: pd.DataFrame) -> Table:
    """Table 2: per pair, the tokens with the most negative and most positive SSC, by place
    (each cell: the token, its SSC beneath)."""
    pairs = list(dict.fromkeys(extremes["pair"]))
    header = ["place"]
    for pair in pairs:
        header += [f"{pair}: SS ↓", f"{pair}: SS ↑"]
    table = Table(
        f"Top self-similarity changes (as {XIAO}, Table 2)", header,
        note="SS ↓: most negative SSC (more contextualised after fine-tuning); SS ↑: most "
        "positive (less contextualised). ssc = (ss_f − ani_f) − (ss_v − ani_v).",
        csv=to_csv(extremes), csv_name="table2_ssc_extremes.csv",
    )  # fmt: skip
    places = sorted(set(extremes["place"]))
    for place in places:
        cells = [row_label(place)]
        for pair in pairs:
            for direction in ("negative", "positive"):
                found = extremes[
                    (extremes["pair"] == pair)
                    & (extremes["direction"] == direction)
                    & (extremes["place"] == place)
                ]
                if found.empty:
                    cells.append(MISSING)
                    continue
                first = found.iloc[0]
                ssc = float(first["ssc"])
                cells.append(text(first["token"], note=format_number(ssc, 3), inline_note=True))
        table.rows.append(cells)
    return table
