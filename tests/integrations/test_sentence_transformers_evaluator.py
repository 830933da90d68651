"""CselabEvaluator: cselab's probes in a sentence-transformers run's logs, with a primary
metric; the numbers are those of cselab's own probes on the same model."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import STEPS, sentences

from cselab.errors import CselabError
from cselab.integrations.sentence_transformers import CselabEvaluator
from cselab.training.probes import run_probes


def test_probes_reach_the_training_logs(st_run) -> None:
    logged = [
        row for row in st_run.trainer.state.log_history if "eval_cselab_sts_dev_spearman" in row
    ]
    assert [row["step"] for row in logged] == [STEPS]
    row = logged[0]
    for key in ("eval_cselab_sts_dev_pearson", "eval_cselab_grad_dissipation",
                "eval_cselab_grad_ratio", "eval_cselab_probe_seconds"):  # fmt: skip
        assert key in row, key
    for layer in (0, 1, 2):  # input embeddings + the tiny BERT's 2 layers
        assert f"eval_cselab_anisotropy_layer{layer}" in row
        assert f"eval_cselab_self_similarity_adjusted_layer{layer}" in row
    assert st_run.evaluator.primary_metric == "cselab_sts_dev_spearman"
    assert st_run.evaluator.greater_is_better

    # the same numbers as cselab's probes on the trained model (the last evaluation is at
    # the last step); probes run in eval mode, so they are deterministic
    again = run_probes(st_run.model, st_run.evaluator.probes, "arccon", st_run.loss.params)
    for probe in again:
        if probe["metric"] != "probe_seconds":
            suffix = "" if probe["layer"] < 0 else f"_layer{probe['layer']}"
            key = "eval_cselab_" + probe["metric"].replace("/", "_") + suffix
            assert row[key] == pytest.approx(probe["value"], rel=1e-5, abs=1e-7), key
    table = pd.read_csv(st_run.output_dir / "eval" / "cselab_metrics.csv")  # the tidy table
    assert set(table["step"]) == {STEPS} and "anisotropy" in set(table["metric"])


def test_without_sts_the_primary_metric_is_the_last_layers_anisotropy(tiny_model) -> None:
    evaluator = CselabEvaluator(sentences=sentences()[:12], name="geo")
    metrics = evaluator(tiny_model)
    assert evaluator.primary_metric == "geo_anisotropy_layer2"
    assert not evaluator.greater_is_better  # lower anisotropy: more isotropic
    assert metrics["geo_anisotropy_layer2"] == pytest.approx(metrics[evaluator.primary_metric])
    assert not any(key.startswith("geo_grad_") or "sts" in key for key in metrics)


def test_bad_probe_inputs_are_refused() -> None:
    with pytest.raises(CselabError, match="needs sentences"):
        CselabEvaluator()
    with pytest.raises(CselabError, match="at least 2"):
        CselabEvaluator(sentences=["one sentence"])
    with pytest.raises(CselabError, match="'vicreg' has no gradient parts"):
        CselabEvaluator(sentences=sentences()[:4], loss="vicreg", gradient_batch=[("a", "b")])
    with pytest.raises(CselabError, match=r"rows are \(anchor, positive"):
        CselabEvaluator(sentences=sentences()[:4], loss="info_nce", gradient_batch=[("a",)])
