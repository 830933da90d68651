"""Tables 1, 2 and 3 in the paper's layout, with the paper's values only where they apply."""

from __future__ import annotations

import pandas as pd
from report_fixtures import MINILM, geometry_rows

from cselab.report.inputs import PROTOCOL, SOURCE
from cselab.report.lines import Line, labels
from cselab.report.paper_tables import table1, table2, table3
from cselab.results.table import make_table


def _rows() -> tuple[pd.DataFrame, list[Line]]:
    minilm = make_table(geometry_rows(MINILM, "sts-test:s1", 0.0)).assign(**{PROTOCOL: "xiao2023"})
    other = make_table(geometry_rows("other", "sts-test:s1", 0.1)).assign(**{PROTOCOL: "default"})
    rows = pd.concat([minilm, other], ignore_index=True).assign(**{SOURCE: 0})
    return rows, [Line(MINILM, "sts-test:s1", "xiao2023", 2), Line("other", "sts-test:s1",
                                                                     "default", 2)]  # fmt: skip


def _value(model: str, metric: str, offset: float) -> float:
    return next(r["value"] for r in geometry_rows(model, "c", offset)
                if r["metric"] == metric and r["layer"] == 2)  # fmt: skip


def test_table1_models_as_columns_with_the_papers_column_after_its_model():
    rows, lines = _rows()
    table = table1(rows, lines, labels(lines))
    assert table.header[1:] == [
        f"{MINILM} · protocol xiao2023 (layer 2)", f"paper ({MINILM})",
        "other · protocol default (layer 2)",
    ]  # fmt: skip
    assert [row[0].text for row in table.rows] == [
        "share of self-similarity in the top 1 dimensions",
        "share of self-similarity in the top 2 dimensions",
        "dimensions for 50 % of self-similarity",
    ]  # registry labels and order; the mean-cosine top1_share is not the paper's Table 1
    for row, metric in zip(table.rows, ["self_similarity_top1_share", "self_similarity_top2_share",
                                        "self_similarity_dims_for_50pct"], strict=True):  # fmt: skip
        assert row[1].value == repr(_value(MINILM, metric, 0.0))
        assert row[3].value == repr(_value("other", metric, 0.1))
    assert [row[2].text for row in table.rows] == ["–", "–", "121"]
    assert table.rows[2][2].published.startswith("Xiao et al. 2023, Table 1")


def test_table3_one_row_per_model_k_as_columns_and_the_papers_row():
    rows, lines = _rows()
    table = table3(rows, lines, labels(lines))
    assert table.header == ["model", "k = 1", "k = 2", "k = 10"]
    assert [row[0].text for row in table.rows] == [
        f"{MINILM} · protocol xiao2023 (layer 2)", f"paper ({MINILM})",
        "other · protocol default (layer 2)",
    ]  # fmt: skip
    assert [c.value for c in table.rows[0][1:]] == [
        repr(_value(MINILM, f"informativity_r2_k{k}", 0.0)) for k in (1, 2, 10)
    ]
    assert [c.text for c in table.rows[1][1:]] == ["0.998", "0.846", "0.817"]
    assert table.rows[0][1].text == f"{_value(MINILM, 'informativity_r2_k1', 0.0):.3f}"


def test_table2_places_by_pair_and_direction():
    extremes = pd.DataFrame({
        "pair": ["a->b", "a->b", "a->b", "c->d"], "layer": [6] * 4,
        "direction": ["negative", "positive", "positive", "negative"], "place": [1, 1, 2, 1],
        "token": ["has", "onion", "piano", "[SEP]"], "count": [9] * 4,
        "ssc": [-0.2, 0.3, 0.25, -0.1],
    })  # fmt: skip
    table = table2(extremes)
    assert table.header == ["place", "a->b: SS ↓", "a->b: SS ↑", "c->d: SS ↓", "c->d: SS ↑"]
    assert [[c.text for c in row] for row in table.rows] == [
        ["1", "has", "onion", "[SEP]", "–"], ["2", "–", "piano", "–", "–"],
    ]  # fmt: skip
    assert table.rows[0][1].note == "-0.2"
