"""Every cselab output is recognised by its files; anything else is an error naming it."""

from __future__ import annotations

import json

import pytest
import yaml
from report_fixtures import MINILM, write_everything

from cselab.errors import CselabError
from cselab.evaluation.suite import RESULT_KIND
from cselab.gradients.outputs import write_gradient_outputs
from cselab.report import input_files
from cselab.report.inputs import PROTOCOL, SOURCE, collect_inputs
from cselab.results.dynamics import read_runs, write_run_records
from cselab.results.table import make_table, write_table


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_everything(tmp_path_factory.mktemp("inputs"))


def test_the_kinds_agree_with_the_modules_that_write_them(tmp_path):
    assert input_files.RESULT_KIND == RESULT_KIND
    _, summary = write_gradient_outputs(make_table([]), tmp_path, {})
    assert json.loads(summary.read_text())["kind"] == input_files.GRADIENTS_KIND


def test_each_output_kind_and_its_provenance(files):
    inputs = collect_inputs(list(files.values()))
    kinds = [source.kind for source in inputs.sources]
    assert kinds == ["geometry", "compare", "run", "run", "gradients", "sts"]
    geometry, compare, run = inputs.sources[:3]
    assert geometry.protocols == {(MINILM, "sts-test:s1"): {"name": "xiao2023",
                                  "include_special": True, "baseline": "sampled", "seed": 0}}  # fmt: skip
    assert compare.pairs == [("vanilla", "tuned")]
    assert compare.settings["ssc_correlation"]["best_n"] == 3
    assert run.configs["tau0.05"]["temperature"] == 0.05
    table = inputs.metrics()
    tags = table.groupby("model")[PROTOCOL].unique().to_dict()
    assert {m: sorted(p) for m, p in tags.items()} == {
        MINILM: ["xiao2023"],
        "vanilla": ["default"],
        "tuned": ["default"],
        "m": ["default"],
        "": ["", "default"],
    }  # grid rows have no protocol; training rows without a model are probes' (default)
    assert sorted(table[SOURCE].unique()) == [0, 1, 2, 3, 4]
    assert set(inputs.ssc) == {"ssc_extremes", "ssc_correlation", "ssc_tokens"}


def test_a_file_of_an_output_folder_reads_the_folder(files):
    inputs = collect_inputs([files["geometry"] / "metrics.csv", files["run"] / "config.yaml"])
    assert [s.kind for s in inputs.sources] == ["geometry", "run"]
    assert inputs.sources[0].protocols and inputs.sources[1].configs


def test_a_sweep_folder_is_its_runs(files):
    inputs = collect_inputs([files["run"].parent])
    assert [s.kind for s in inputs.sources] == ["sweep"]
    assert sorted(inputs.run_configs()) == ["tau0.05", "tau0.1"]
    assert sorted(inputs.metrics()["run"].unique()) == ["tau0.05", "tau0.1"]


def test_a_dynamics_folder_with_its_runs_configs(files, tmp_path):
    runs = [files["run"], files["run2"]]
    write_table(read_runs(runs), tmp_path / "dyn" / "dynamics.csv")
    write_run_records(runs, tmp_path / "dyn")
    inputs = collect_inputs([tmp_path / "dyn"])
    assert inputs.sources[0].kind == "dynamics"
    assert {run: c["temperature"] for run, c in inputs.run_configs().items()} == {
        "tau0.05": 0.05,
        "tau0.1": 0.1,
    }


def test_a_gradients_folder_with_its_settings(tmp_path, files):
    folder = tmp_path / "grad"
    folder.mkdir()
    (folder / "gradients.csv").write_text(files["grid"].read_text())
    (folder / "summary.json").write_text(json.dumps({"kind": input_files.GRADIENTS_KIND, "rows": 64,
                                                     "versions": {"torch": "2"}}))  # fmt: skip
    source = collect_inputs([folder]).sources[0]
    assert (source.kind, source.settings, source.versions) == ("gradients", {"rows": 64},
                                                               {"torch": "2"})  # fmt: skip


def test_what_is_not_a_cselab_output_is_named(tmp_path):
    with pytest.raises(CselabError, match="report input .*nope' does not exist"):
        collect_inputs([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(CselabError, match="empty' is not a cselab output: it holds none of"):
        collect_inputs([tmp_path / "empty"])
    (tmp_path / "foreign.json").write_text(json.dumps({"accuracy": 0.9}))
    with pytest.raises(CselabError, match=r"foreign\.json' is not a cselab output: a JSON"):
        collect_inputs([tmp_path / "foreign.json"])
    (tmp_path / "bad.json").write_text("{oops")
    with pytest.raises(CselabError, match=r"bad\.json: not valid JSON"):
        collect_inputs([tmp_path / "bad.json"])
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(CselabError, match=r"other\.csv' lacks column\(s\) \['metric', 'value'\]"):
        collect_inputs([tmp_path / "other.csv"])
    (tmp_path / "base.yaml").write_text(yaml.safe_dump({"model": "m"}))
    with pytest.raises(CselabError, match=r"base\.yaml' is not a cselab output: a YAML file"):
        collect_inputs([tmp_path / "base.yaml"])
    (tmp_path / "x.txt").write_text("")
    with pytest.raises(CselabError, match=r"x\.txt' is not a cselab output: expected a folder"):
        collect_inputs([tmp_path / "x.txt"])
    with pytest.raises(CselabError, match="give at least one report input"):
        collect_inputs([])
