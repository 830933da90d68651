"""The findings: headline numbers per model and run, and each change said in words."""

from __future__ import annotations

import pandas as pd
from report_fixtures import MINILM, sts_result

from cselab.report.dynamics_figures import Study
from cselab.report.inputs import PROTOCOL, SOURCE
from cselab.report.lines import Line
from cselab.report.summary import change, model_table, pair_findings, run_table, sts_of
from cselab.results.table import make_table


def test_a_change_in_words():
    assert change("anisotropy", 0.33, 0.05) == "anisotropy falls from 0.33 to 0.05 (−0.28)"
    assert change("r²", 0.5, 0.63) == "r² rises from 0.5 to 0.63 (+0.13)"
    assert change("dimensions", 121, 123) == "dimensions rises from 121 to 123 (+2)"
    assert change("norm", 5.6571, 5.6569) == "norm stays at 5.66"


def test_sts_of_a_model_prefers_the_dataset_with_a_published_value():
    assert sts_of(MINILM, [sts_result()]) == (81.23456, "stsb-test", "MTEB 82.03")
    other = sts_result("other")
    assert sts_of("other", [other]) == (75.61728, "mean of 2", "")
    assert sts_of("absent", [other]) is None


def _rows(values: dict[tuple[str, str], float]) -> pd.DataFrame:
    table = make_table([dict(model=m, corpus="c", layer=3, metric=metric, value=v)
                        for (m, metric), v in values.items()])  # fmt: skip
    return table.assign(**{PROTOCOL: "default", SOURCE: 0})


def test_models_measured_alike_are_compared_and_sts_only_models_listed():
    rows = _rows({("a", "anisotropy_baseline"): 0.33, ("b", "anisotropy_baseline"): 0.05,
                  ("a", "l2_norm"): 2.0, ("b", "l2_norm"): 2.0001})  # fmt: skip
    lines = [Line("a", "c", "default", 3), Line("b", "c", "default", 3)]
    assert pair_findings(rows, lines, []) == [
        "b against a (c, default, last layer): anisotropy baseline (the protocol's) falls from "
        "0.33 to 0.05 (−0.28); unchanged: mean L2 norm."
    ]
    assert pair_findings(rows, lines, [("b", "a")])[0].startswith("a against b")
    table = model_table(rows, lines, [sts_result("only-sts")])
    assert [row[0].text for row in table.rows] == ["a", "b", "only-sts"]
    assert table.rows[2][1].text == "STS only" and table.rows[2][-1].value == repr(75.61728)


def test_a_runs_first_and_last_step():
    rows = make_table(
        [dict(run="r", step=s, layer=layer, metric="anisotropy_baseline", value=0.4 - s / 100 + layer)
         for s in (0, 5, 10) for layer in (0, 1)]
        + [dict(run="r", step=s, metric="sts_dev_spearman", value=70.0 + s) for s in (0, 10)]
    )  # fmt: skip
    table, sentences = run_table(Study("study", rows, {"r": "τ = 0.1"}, ["temperature"], ""))
    cells = table.rows[0]
    assert [c.text for c in cells[:2]] == ["τ = 0.1", "0 → 10"]
    assert (cells[2].before, cells[2].value) == (repr(1.4), repr(1.3))  # layer 1, the last
    assert (cells[3].before, cells[3].value) == (repr(70.0), repr(80.0))
    assert sentences == [
        "τ = 0.1 (steps 0 to 10, last layer): anisotropy baseline (the protocol's) falls from "
        "1.4 to 1.3 (−0.1); STS dev Spearman rises from 70.00 to 80.00."
    ]
