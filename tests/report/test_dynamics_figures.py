"""Learning dynamics: key panels per study, runs named by their configs, chosen layers."""

from __future__ import annotations

import pytest
from report_fixtures import run_rows, write_everything

from cselab.errors import CselabError
from cselab.report.dynamics_figures import (
    _panel,
    check_layers,
    key_metrics,
    provenance,
    studies,
)
from cselab.report.inputs import collect_inputs
from cselab.report.sections import split_rows
from cselab.results.table import make_table


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    files = write_everything(tmp_path_factory.mktemp("inputs"))
    inputs = collect_inputs([files["run"], files["run2"]])
    found = studies(split_rows(inputs.metrics())["dynamics"], inputs)
    assert len(found) == 1  # run folders given one by one are one study
    return found[0]


def test_runs_named_by_what_differs_and_the_key_panels(study):
    assert study.labels == {"tau0.05": "τ = 0.05", "tau0.1": "τ = 0.1"}
    assert study.ablation == "Xiao et al. 2023, Figs. 8-11 (temperature)"
    assert key_metrics(study.rows) == [
        "anisotropy_baseline", "self_similarity_adjusted", "sts_dev_spearman", "train_loss",
    ]  # fmt: skip
    assert provenance(study.rows) == (
        "Model: m; geometry probed on probe under the default protocol; STS Spearman on the dev set"
    )
    default = study.rows.assign(corpus=study.rows["corpus"].replace("probe", "default"))
    assert "probed on cselab's default corpus" in provenance(default)


def test_each_run_at_its_last_layer_or_at_the_layers_asked(study):
    expected = {(r["run"], r["step"], r.get("layer")): r["value"]
                for run, offset in (("tau0.05", 0.0), ("tau0.1", 0.1))
                for r in run_rows(run, offset) if r["metric"] == "anisotropy_baseline"}  # fmt: skip
    panel = _panel(study, "anisotropy_baseline", None)
    assert panel.title == "anisotropy baseline (the protocol's) (layer 2)"
    assert dict(panel.lines["τ = 0.1"]) == {s: expected[("tau0.1", s, 2)] for s in (0, 10, 20)}
    both = _panel(study, "anisotropy_baseline", [0, -1])
    assert both.title.endswith("(layers 0, 2)")
    assert sorted(both.lines) == ["τ = 0.05 · layer 0", "τ = 0.05 · layer 2",
                                  "τ = 0.1 · layer 0", "τ = 0.1 · layer 2"]  # fmt: skip
    assert dict(both.lines["τ = 0.05 · layer 0"]) == {
        s: expected[("tau0.05", s, 0)] for s in (0, 10, 20)
    }


def test_layers_not_measured_are_named(study):
    with pytest.raises(
        CselabError, match=r"layers \[5\]: the training dynamics have layers \[0, 2\]"
    ):
        check_layers(study.rows, [5])
    with pytest.raises(CselabError, match="give 'all' or a list"):
        check_layers(study.rows, "some")
    assert check_layers(study.rows, "all") == "every layer"


def test_runs_of_different_depth_each_at_their_last_layer(study):
    rows = make_table([dict(run=run, step=step, layer=layer, metric="l2_norm", value=step + layer)
                       for run, depth in (("deep", 3), ("shallow", 2))
                       for step in (0, 10) for layer in range(depth)])  # fmt: skip
    deep = type(study)("s", rows, {"deep": "deep", "shallow": "shallow"}, [], "")
    panel = _panel(deep, "l2_norm", None)
    assert sorted(panel.lines) == ["deep · layer 2", "shallow · layer 1"]
