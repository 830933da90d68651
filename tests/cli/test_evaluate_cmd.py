"""`cselab evaluate` end to end on the tiny model and a small file written here."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cselab.cli.main import app, main
from cselab.data.sts import load_sts
from cselab.evaluation.sts import evaluate_sts


def _pairs_file(tmp_path):
    rows = ["sentence1\tsentence2\tscore"] + [
        f"A man plays {w}.\tSomeone plays {v}.\t{s}"
        for w, v, s in [("guitar", "guitar", 5), ("chess", "a flute", 1.5), ("golf", "tennis", 2),
                        ("piano", "the piano", 4.5), ("cards", "football", 0.5)]
    ]  # fmt: skip
    path = tmp_path / "pairs.tsv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_evaluate_writes_scores_and_versions(tmp_path, tiny_model_dir, tiny_model):
    data = _pairs_file(tmp_path)
    out = tmp_path / "sts.json"
    result = CliRunner().invoke(app, [
        "evaluate", str(tiny_model_dir), "--data", f"{data}?name=toy&range=0,5",
        "--data", f"{data}?name=toy-again", "--pooling", "mean", "--out", str(out),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "toy" in result.output
    result = json.loads(out.read_text())
    expected = evaluate_sts(tiny_model, load_sts(str(data)).pairs)
    toy = result["datasets"][0]
    assert toy["name"] == "toy" and toy["n"] == 5
    assert toy["spearman"] == pytest.approx(expected["spearman"], abs=1e-6)
    assert result["average"]["spearman"] == pytest.approx(
        (toy["spearman"] + result["datasets"][1]["spearman"]) / 2
    )
    assert result["pooling"] == "mean" and result["pooling_overridden"] is True
    assert {"python", "torch", "transformers", "sentence-transformers", "cselab"} <= set(
        result["versions"]
    )


def test_evaluate_reports_bad_data_with_file_and_line(tmp_path, tiny_model_dir, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("sentence1,sentence2,score\na,b,1\nc,d,7\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", str(tiny_model_dir), "--data", f"{bad}?range=0,5"])
    assert exit_info.value.code == 2
    assert (
        "bad.csv:3: score 7.0 is outside the declared range [0.0, 5.0]" in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--max-seq-length", "1"], "--max-seq-length 1 must be >= 2"),
        (["--examples", "-1"], "--examples -1 must be >= 0"),
        (["--batch-size", "0"], "--batch-size 0 must be >= 1"),
    ],
)
def test_evaluate_bad_counts_are_one_line(tmp_path, tiny_model_dir, extra, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["evaluate", str(tiny_model_dir), "--data", str(tmp_path), *extra])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_max_seq_length_above_the_positions_is_one_line(tmp_path, tiny_model_dir, capsys):
    data = _pairs_file(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", str(tiny_model_dir), "--data", str(data), "--max-seq-length", "100000"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"error: max_seq_length 100000 is above the position limit of model "
        f"{str(tiny_model_dir)!r} (128 tokens): give at most 128"
    )


def test_evaluate_shows_progress_per_dataset(tmp_path, tiny_model_dir):
    data = _pairs_file(tmp_path)
    args = ["evaluate", str(tiny_model_dir), "--data", f"{data}?name=a", "--data", f"{data}?name=b"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    progress_lines = [line for line in result.stderr.splitlines() if line.startswith("STS ")]
    assert progress_lines[0] == "STS a (1 of 2): encoding (10 sentences) ..."
    assert progress_lines[1].startswith("STS a (1 of 2): encoding: done, 10/10 sentences (100 %)")
    assert progress_lines[2] == "STS b (2 of 2): encoding (10 sentences) ..."
