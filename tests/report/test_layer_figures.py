"""Xiao et al.'s per-layer figures: one row of panels per protocol, the paper's code's values."""

from __future__ import annotations

import pandas as pd
from report_fixtures import MINILM, geometry_rows

from cselab.report.inputs import PROTOCOL, SOURCE
from cselab.report.layer_figures import _paper_panels, pair_styles
from cselab.report.lines import Line
from cselab.report.paper_layout import layer_figures
from cselab.results.table import make_table


def test_protocols_in_separate_rows_and_published_crosses():
    minilm = make_table(geometry_rows(MINILM, "sts-test:s1", 0.0)).assign(**{PROTOCOL: "xiao2023"})
    same = make_table(geometry_rows(MINILM, "sts-test:s1", 0.1)).assign(**{PROTOCOL: "default"})
    rows = pd.concat([minilm, same], ignore_index=True).assign(**{SOURCE: 0})
    lines = [Line(MINILM, "sts-test:s1", "xiao2023", 2), Line(MINILM, "sts-test:s1", "default", 2)]
    figure = layer_figures()[0]
    panels, protocols, crosses = _paper_panels(rows, lines, figure, list(figure.outputs))
    assert protocols == ["xiao2023", "default"] and crosses
    assert [p.title for p in panels] == [
        "self-similarity (raw) (Fig. 2) · xiao2023", "self-similarity − anisotropy (Fig. 6) · xiao2023",
        "self-similarity (raw) (Fig. 2) · default", "self-similarity − anisotropy (Fig. 6) · default",
    ]  # fmt: skip
    raw = {r["layer"]: r["value"] for r in geometry_rows(MINILM, "c", 0.0)
           if r["metric"] == "self_similarity"}  # fmt: skip
    assert dict(panels[0].lines[MINILM]) == raw
    assert list(panels[0].reference) == [f"paper's code ({MINILM})"]
    assert dict(panels[0].reference[f"paper's code ({MINILM})"]) == {
        0: 0.9550, 1: 0.9031, 2: 0.8399, 3: 0.7988, 4: 0.7935, 5: 0.8115, 6: 0.6443,
    }  # fmt: skip
    assert not panels[2].reference  # the default protocol: no published value


def test_a_pair_shares_a_colour_and_corpora_get_markers():
    lines = [Line("v", "c", "default", 2), Line("f", "c", "default", 2),
             Line("f", "d", "default", 2)]  # fmt: skip
    names = {line: f"{line.model}/{line.corpus}" for line in lines}
    styles = pair_styles(lines, names, [("v", "f")])
    assert styles["v/c"].colour == styles["f/c"].colour == styles["f/d"].colour
    assert styles["v/c"].dashed and styles["f/c"].marker != styles["f/d"].marker
