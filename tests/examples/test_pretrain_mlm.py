"""examples/vanilla/pretrain_mlm.py at toy size: it trains, holds lines out, resumes, and its
encoder loads in cselab (plain transformers layout, mean pooling added)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from toy_vanilla import corpus as _corpus, pretrain as _run


def _log(out: Path) -> list[dict[str, str]]:
    with (out / "metrics.csv").open() as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_pretrains_resumes_and_loads_in_cselab(tmp_path: Path, minilm_dir) -> None:
    corpus, out = _corpus(tmp_path / "corpus.txt"), tmp_path / "vanilla"
    first = _run(corpus, out, 2)
    assert first.returncode == 0, first.stderr
    held_eval = (out / "heldout-eval.txt").read_text().splitlines()
    held_contrastive = (out / "heldout-contrastive.txt").read_text().splitlines()
    lines = corpus.read_text().splitlines()
    assert held_eval == lines[:16] and held_contrastive == lines[16:40]
    assert [row["step"] for row in _log(out)] == ["1", "2"]

    second = _run(corpus, out, 4)  # a larger --steps continues the saved run
    assert second.returncode == 0, second.stderr
    assert "resumed at step 2" in second.stdout
    rows = _log(out)
    assert [row["step"] for row in rows] == ["1", "2", "4"]
    assert all(0.0 <= float(row["eval_accuracy"]) <= 1.0 for row in rows)

    from cselab.models.loading import load_model
    from cselab.models.pooling import st_pooling_mode

    model = load_model(out / "encoder")
    assert st_pooling_mode(model) == "mean"
    assert model.encode(["a cat runs"]).shape == (1, 32)

    from typer.testing import CliRunner

    from cselab.cli.main import app

    result = CliRunner().invoke(app, ["geometry", str(out / "encoder"), "--metrics", "anisotropy"])
    assert result.exit_code == 0, result.output
    assert "anisotropy" in result.output


def test_other_settings_in_the_same_folder_are_refused(tmp_path: Path, minilm_dir) -> None:
    corpus, out = _corpus(tmp_path / "corpus.txt"), tmp_path / "vanilla"
    out.mkdir()
    (out / "pretrain_config.json").write_text('{"layers": 12}')
    result = _run(corpus, out, 1)
    assert result.returncode == 2
    assert "holds a run with other settings" in result.stderr
