"""`cselab compare`: SSC tables for one and two model pairs (tiny random BERTs)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cselab.cli.main import app
from cselab.errors import CselabError


@pytest.fixture(scope="module")
def other_models(tmp_path_factory) -> list[Path]:
    from cselab.models.tiny import build_tiny_bert

    return [build_tiny_bert(tmp_path_factory.mktemp(f"m{s}"), seed=s) for s in (1, 2, 3)]


@pytest.fixture
def corpus(tmp_path: Path, toy_sentences: list[str]) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(toy_sentences * 2) + "\n", encoding="utf-8")
    return path


def test_compare_one_pair(tiny_model_dir, other_models, corpus, tmp_path) -> None:
    out = tmp_path / "out"
    args = ["compare", str(tiny_model_dir), str(other_models[0]), "--corpus", str(corpus)]
    args += ["--metrics", "anisotropy,self_similarity,norms"]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--k", "3", "--layers", "2"])
    assert result.exit_code == 0, result.output
    tokens = pd.read_csv(out / "ssc_tokens.csv", keep_default_na=False)
    assert list(tokens.columns[:4]) == ["pair", "layer", "rank", "token"]
    assert set(tokens["layer"]) == {2}
    expected = (tokens.ss_finetuned - tokens.ani_finetuned) - (
        tokens.ss_vanilla - tokens.ani_vanilla
    )
    assert (tokens["ssc"] - expected).abs().max() < 1e-12
    assert tokens["count"].is_monotonic_decreasing
    extremes = pd.read_csv(out / "ssc_extremes.csv", keep_default_na=False)
    sizes = extremes.groupby("direction").size().reindex(["positive", "negative"], fill_value=0)
    assert sizes.to_dict() == {
        "positive": min(3, int((tokens["ssc"] > 0).sum())),
        "negative": min(3, int((tokens["ssc"] < 0).sum())),
    }
    direction = extremes["direction"].map({"positive": 1, "negative": -1})
    assert (extremes["ssc"] * direction > 0).all()  # each list keeps to its sign
    table = pd.read_csv(out / "metrics.csv")
    assert table["model"].nunique() == 2
    assert not (out / "ssc_correlation.csv").exists()


def test_compare_two_pairs_writes_correlation_curve(tiny_model_dir, other_models, corpus, tmp_path):
    out = tmp_path / "out"
    args = ["compare", str(tiny_model_dir), str(other_models[0]), "--corpus", str(corpus)]
    args += ["--vanilla2", str(other_models[1]), "--finetuned2", str(other_models[2])]
    args += ["--metrics", "anisotropy,self_similarity"]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--min-n", "3"])
    assert result.exit_code == 0, result.output
    curve = pd.read_csv(out / "ssc_correlation.csv", keep_default_na=False)
    assert list(curve.columns) == ["layer", "n", "token", "pearson"]
    summary = json.loads((out / "summary.json").read_text())
    best = curve[curve.n >= 3]["pearson"].max()
    assert summary["ssc_correlation"]["best_pearson"] == pytest.approx(best)
    assert [(p["vanilla"], p["finetuned"]) for p in summary["pairs"]] == [
        (tiny_model_dir.name, other_models[0].name),
        (other_models[1].name, other_models[2].name),
    ]  # the report draws each pair in one colour
    assert "best n" in result.output


def test_metrics_without_the_ssc_families_still_compare(
    tiny_model_dir, other_models, corpus, tmp_path
) -> None:
    """--metrics l2_norm alone: anisotropy and self-similarity, which SSC reads, are added."""
    out = tmp_path / "out"
    args = ["compare", str(tiny_model_dir), str(other_models[0]), "--corpus", str(corpus)]
    result = CliRunner().invoke(app, [*args, "--metrics", "norms", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out / "ssc_tokens.csv")) > 0
    measured = set(pd.read_csv(out / "metrics.csv")["metric"])
    assert {"anisotropy_baseline", "self_similarity", "l2_norm"} <= measured
    assert not measured & {"isoscore", "intra_sentence_similarity"}


def test_compare_needs_both_second_models(tiny_model_dir, other_models, corpus) -> None:
    args = ["compare", str(tiny_model_dir), str(other_models[0]), "--corpus", str(corpus)]
    result = CliRunner().invoke(app, [*args, "--vanilla2", str(other_models[1])])
    assert isinstance(result.exception, CselabError)
    assert "--vanilla2 and --finetuned2 go together" in str(result.exception)


def test_compare_bad_layer(tiny_model_dir, other_models, corpus) -> None:
    args = ["compare", str(tiny_model_dir), str(other_models[0]), "--corpus", str(corpus)]
    args += ["--metrics", "anisotropy,self_similarity"]
    result = CliRunner().invoke(app, [*args, "--layers", "1", "--layer", "2"])
    assert isinstance(result.exception, CselabError)
    assert "layer 2: self-similarity was not measured there" in str(result.exception)


def test_a_checkpoint_is_labelled_by_run_and_step(tiny_model_dir, other_models, corpus, tmp_path):
    import shutil

    checkpoint = tmp_path / "tau0.05" / "checkpoints" / "step-000200"
    shutil.copytree(other_models[0], checkpoint)
    args = ["compare", str(tiny_model_dir), str(checkpoint), "--corpus", str(corpus)]
    result = CliRunner().invoke(app, [*args, "--metrics", "anisotropy,self_similarity", "-q"])
    assert result.exit_code == 0, result.output
    assert f"{tiny_model_dir.name}->tau0.05 step 200 (layer 2): largest SSCs" in result.stdout
