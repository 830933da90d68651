"""The table and summary written by `cselab gradients`."""

from __future__ import annotations

import json

from cselab.gradients.li2024 import Li2024Settings, li2024_grid
from cselab.gradients.outputs import write_gradient_outputs
from cselab.results.table import read_table


def test_table_and_summary_are_written(tmp_path):
    table = li2024_grid(["mpt"], [0.2], [0.4], settings=Li2024Settings(rows=5))
    csv, summary = write_gradient_outputs(table, tmp_path / "out", {"protocol": "li2024"})
    again = read_table(csv)
    assert again["value"].tolist() == table["value"].tolist()
    assert set(again["protocol"]) == {"li2024"}
    record = json.loads(summary.read_text())
    assert record["kind"] == "cselab-gradients" and record["protocol"] == "li2024"
    assert "torch" in record["versions"]
