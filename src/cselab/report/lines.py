"""The models a report shows: one *line* per (model, corpus, protocol) measured per layer.

Two measurements of the same model are comparable only on the same corpus under the same
protocol, so these three name a line; the figures draw each protocol in its own panels and
the tables name it. A line measured by two inputs (the same geometry given twice, or a
model in a geometry folder and again in a compare folder) is kept once, from the first.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cselab.report.inputs import PROTOCOL, SOURCE

KEY = ["model", "corpus", PROTOCOL]
UNKNOWN_PROTOCOL = "protocol not recorded"


@dataclass(frozen=True)
class Line:
    model: str
    corpus: str
    protocol: str
    last_layer: int

    @property
    def protocol_name(self) -> str:
        return self.protocol or UNKNOWN_PROTOCOL

    @property
    def corpus_name(self) -> str:
        return f"corpus {self.corpus}" if self.corpus else "corpus not recorded"

    @property
    def protocol_words(self) -> str:
        return f"protocol {self.protocol}" if self.protocol else UNKNOWN_PROTOCOL

    def label(self, *, corpus: bool = False, protocol: bool = False) -> str:
        parts = [self.model or "model"]
        if corpus:
            parts.append(self.corpus_name)
        if protocol:
            parts.append(self.protocol_words)
        return " · ".join(parts)

    def rows(self, table: pd.DataFrame) -> pd.DataFrame:
        """This line's rows of ``table``."""
        same = (
            (table["model"] == self.model)
            & (table["corpus"] == self.corpus)
            & (table[PROTOCOL] == self.protocol)
        )
        return table[same]


def first_measurement(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of each line from the first input that measured it."""
    if rows.empty:
        return rows
    first = rows.groupby(KEY, sort=False)[SOURCE].transform("min")
    return rows[rows[SOURCE] == first]


def layer_lines(rows: pd.DataFrame) -> list[Line]:
    """Every line of per-layer rows, in input order, with its last layer."""
    if rows.empty:
        return []
    last = rows.groupby(KEY, sort=False)["layer"].max()
    return [Line(str(m), str(c), str(p), int(layer)) for (m, c, p), layer in last.items()]


def labels(lines: list[Line]) -> dict[Line, str]:
    """Each line's label: the model, with the corpus and protocol when they differ."""
    corpus = len({line.corpus for line in lines}) > 1
    protocol = len({line.protocol for line in lines}) > 1
    return {line: line.label(corpus=corpus, protocol=protocol) for line in lines}
