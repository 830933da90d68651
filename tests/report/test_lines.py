"""A line is a model on a corpus under a protocol, kept from the first input measuring it."""

from __future__ import annotations

import pandas as pd

from cselab.report.inputs import PROTOCOL, SOURCE
from cselab.report.lines import Line, first_measurement, labels, layer_lines
from cselab.results.table import make_table


def _rows(source: int, model: str, protocol: str, value: float, layers=(0, 1)) -> pd.DataFrame:
    rows = [dict(model=model, corpus="c", layer=layer, metric="l2_norm", value=value + layer)
            for layer in layers]  # fmt: skip
    return make_table(rows).assign(**{SOURCE: source, PROTOCOL: protocol})


def test_the_first_input_measuring_a_line_is_kept():
    rows = pd.concat([_rows(0, "a", "default", 1.0), _rows(1, "a", "default", 9.0),
                      _rows(1, "a", "xiao2023", 5.0, layers=(0, 1, 2))], ignore_index=True)  # fmt: skip
    kept = first_measurement(rows)
    assert list(kept["value"]) == [1.0, 2.0, 5.0, 6.0, 7.0]
    lines = layer_lines(kept)
    assert lines == [Line("a", "c", "default", 1), Line("a", "c", "xiao2023", 2)]
    assert list(labels(lines).values()) == ["a · protocol default", "a · protocol xiao2023"]
    assert lines[1].label(corpus=True, protocol=True) == "a · corpus c · protocol xiao2023"
