"""HTML-ready tables built from input rows: every number cell carries the exact value it shows.

``Cell.text`` is the rounded display; ``Cell.value`` is the input's number (``repr``), kept
in a ``data-value`` attribute so readers (and tests) can check it equals the input. A
published value shown beside ours is a ``Cell`` with ``published`` set (its source), kept
in ``data-published`` instead. A table longer than :data:`INLINE_ROWS` shows its first
rows; the whole table is a CSV download (a ``data:`` URI, no JavaScript).
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass, field

import pandas as pd

#: rows shown inline; the rest of a longer table is in its CSV download
INLINE_ROWS = 20


@dataclass(frozen=True)
class Cell:
    text: str
    value: str = ""  # repr of the exact number, '' for text cells
    published: str = ""  # the source, for a published value shown beside ours
    note: str = ""  # a second line in small type (a published value, a dataset name)
    header: bool = False  # a row label
    before: str = ""  # repr of the earlier number of a "before → after" cell
    inline_note: bool = False  # the note beside the text, not beneath


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""
    csv: str = ""  # the whole table (or the figure's data) as CSV, offered as a download
    csv_name: str = "table.csv"
    number: int = 0

    @property
    def shown_rows(self) -> list[list[Cell]]:
        return self.rows[:INLINE_ROWS]

    @property
    def hidden_rows(self) -> int:
        return max(0, len(self.rows) - INLINE_ROWS)

    @property
    def csv_uri(self) -> str:
        if not self.csv:
            return ""
        return "data:text/csv;base64," + base64.b64encode(self.csv.encode("utf-8")).decode("ascii")


def format_number(value: float, digits: int = 4) -> str:
    """Integers as integers, other numbers with ``digits`` significant digits."""
    if not math.isfinite(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{digits}g}"


def number(value: float, digits: int = 4, note: str = "") -> Cell:
    return Cell(format_number(float(value), digits), repr(float(value)), note=note)


def fixed(value: float, decimals: int = 2, note: str = "") -> Cell:
    return Cell(f"{float(value):.{decimals}f}", repr(float(value)), note=note)


def change_cell(before: float, after: float, digits: int = 3, decimals: int | None = None) -> Cell:
    """``before → after`` (``data-before``, ``data-value``); fixed ``decimals`` if given."""

    def shown(value: float) -> str:
        return f"{value:.{decimals}f}" if decimals is not None else format_number(value, digits)

    return Cell(f"{shown(before)} → {shown(after)}", repr(float(after)),
                before=repr(float(before)))  # fmt: skip


def published(value: float, source: str, digits: int = 4, decimals: int | None = None) -> Cell:
    shown = f"{value:.{decimals}f}" if decimals is not None else format_number(float(value), digits)
    return Cell(shown, published=source)


def text(value: object, note: str = "", inline_note: bool = False) -> Cell:
    return Cell(str(value), note=note, inline_note=inline_note)


def row_label(value: object) -> Cell:
    return Cell(str(value), header=True)


MISSING = Cell("–", note="")


def to_csv(frame: pd.DataFrame) -> str:
    """The frame as CSV text (full precision)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue()


def frame_table(frame: pd.DataFrame, title: str, note: str = "", name: str = "table") -> Table:
    """Any frame as is (numbers keep their exact value, everything else is text), with the
    whole frame as its CSV download."""
    table = Table(title, [str(c) for c in frame.columns], note=note, csv=to_csv(frame),
                  csv_name=f"{name}.csv")  # fmt: skip
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


def wide_table(rows: pd.DataFrame, index: list[str], title: str, name: str) -> Table:
    """``index`` columns × one column per metric (in the rows' order), values as in ``rows``."""
    metrics = list(dict.fromkeys(rows["metric"]))
    wide = rows.pivot_table(index=index, columns="metric", values="value", aggfunc="first")
    wide = wide.reindex(columns=metrics).reset_index()
    return frame_table(wide, title, name=name)
