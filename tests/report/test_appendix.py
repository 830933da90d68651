"""The configuration behind the numbers, the full tables and the inputs."""

from __future__ import annotations

import pytest
from report_fixtures import write_everything

from cselab.report.appendix import full_tables, inputs_table, protocol_table, training_tables
from cselab.report.dynamics_figures import studies
from cselab.report.inputs import collect_inputs
from cselab.report.sections import split_rows


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    return collect_inputs(list(write_everything(tmp_path_factory.mktemp("inputs")).values()))


def test_a_column_per_protocol_and_a_row_per_run(inputs):
    table = protocol_table(inputs)
    assert table.header == ["field", "xiao2023", "default"]
    assert [[c.text for c in row] for row in table.rows] == [
        ["include_special", "true", "false"], ["baseline", "sampled", "exact"], ["seed", "0", "0"],
    ]  # fmt: skip
    (runs,) = training_tables(inputs, studies(split_rows(inputs.metrics())["dynamics"], inputs))
    assert runs.header == ["run", "temperature"]  # output_dir says where, not what
    assert [[c.text for c in row][:2] for row in runs.rows] == [["tau0.05", "0.05"],
                                                                 ["tau0.1", "0.1"]]  # fmt: skip
    assert "model m" in runs.note and "batch_size 16" in runs.note


def test_full_tables_of_every_layer_and_the_inputs(inputs):
    rows = split_rows(inputs.metrics())["layers"]
    titles = [t.title for t in full_tables(rows)]
    assert titles == ["Rogue dimensions, token embeddings, every layer",
                      "Informativity, token embeddings, every layer"]  # fmt: skip
    assert [row[1].text for row in inputs_table(inputs).rows] == [
        "cselab geometry", "cselab compare", "training run", "training run", "cselab gradients",
        "cselab evaluate",
    ]  # fmt: skip
