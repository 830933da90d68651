"""STS results per model and dataset, the published value beside ours."""

from __future__ import annotations

from report_fixtures import MINILM, SCRIPT_SENTENCE, sts_result

from cselab.report.sts_section import sts_table, worst_pairs


def test_one_row_per_model_and_dataset_and_the_average():
    table = sts_table([sts_result(), sts_result("other")])
    assert [[c.text for c in row[:2]] for row in table.rows] == [
        [MINILM, "stsb-test"], [MINILM, "sick-r-test"], [MINILM, "average of 2"],
        ["other", "stsb-test"], ["other", "sick-r-test"], ["other", "average of 2"],
    ]  # fmt: skip
    assert table.rows[0][3].value == repr(81.23456) and table.rows[0][3].text == "81.23"
    assert table.rows[0][5].published and table.rows[0][5].text == "82.03"
    assert not table.rows[3][5].published  # no published value for another model
    (examples,) = worst_pairs([sts_result()])
    assert examples.rows[0][0].text == SCRIPT_SENTENCE
