"""`cselab geometry`: files, columns, plots, and error messages (tiny BERT, temp corpus)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cselab.cli.main import app, main
from cselab.errors import CselabError


@pytest.fixture
def corpus(tmp_path: Path, toy_sentences: list[str]) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(toy_sentences) + "\n", encoding="utf-8")
    return path


def test_geometry_writes_tidy_table_summary_and_plots(
    tiny_model_dir, corpus, tmp_path, toy_sentences
) -> None:
    out = tmp_path / "out"
    args = ["geometry", str(tiny_model_dir), "--corpus", str(corpus), "--out", str(out)]
    args += ["--metrics", "anisotropy,self_similarity,intra_sentence,l2_norm", "--plots"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "metrics.csv")
    assert list(table.columns) == ["model", "corpus", "layer", "metric", "value"]
    assert sorted(table["layer"].unique()) == [0, 1, 2]
    assert set(table["corpus"]) == {"corpus"}
    metrics = set(table["metric"])
    assert {"anisotropy", "self_similarity_adjusted", "l2_norm", "sentence_l2_norm"} <= metrics
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_sentences"] == len(toy_sentences) and summary["protocol"]["name"] == "default"
    assert (out / "plots" / "anisotropy.png").stat().st_size > 0
    assert "self_similarity" in result.output  # the terminal table


def test_geometry_layers_and_protocol(tiny_model_dir, corpus, tmp_path) -> None:
    out = tmp_path / "out"
    args = ["geometry", str(tiny_model_dir), "--corpus", str(corpus), "--out", str(out)]
    args += ["--layers", "0,-1", "--protocol", "xiao2023", "--metrics", "anisotropy"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "metrics.csv")
    assert sorted(table["layer"].unique()) == [0, 2]
    assert json.loads((out / "summary.json").read_text())["protocol"]["pad_to"] == "corpus"
    sampled = CliRunner().invoke(app, [*args[:6], "--sample-size", "7", "--layers", "-1"])
    assert sampled.exit_code == 0, sampled.output
    assert json.loads((out / "summary.json").read_text())["protocol"]["sample_size"] == 7


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--corpus", "MISSING"], r"corpus file .*nope\.txt' does not exist"),
        (["--layers", "0,x"], "--layers '0,x'"),
        (["--layers", "9"], r"layers \[9\]: choose from 0..2"),
        (["--protocol", "paper"], "unknown protocol 'paper'"),
        (["--metrics", "colour"], r"unknown metric\(s\) \['colour'\]"),
        (["--batch-size", "0"], "batch_size=0"),
        (["--sample-size", "2"], "sample_size=2 must be >= 3"),
    ],
)
def test_geometry_bad_input_messages(tiny_model_dir, corpus, tmp_path, extra, message) -> None:
    args = ["geometry", str(tiny_model_dir), "--corpus", str(corpus), *extra]
    args = [a.replace("MISSING", str(tmp_path / "nope.txt")) for a in args]
    result = CliRunner().invoke(app, args)
    assert isinstance(result.exception, CselabError)
    assert re.search(message, str(result.exception))


def test_main_turns_errors_into_exit_2(tiny_model_dir, tmp_path, capsys) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("one\n\nthree\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["geometry", str(tiny_model_dir), "--corpus", str(empty)])
    assert exit_info.value.code == 2
    assert "empty.txt:2: empty line" in capsys.readouterr().err


def test_long_sentence_strict(tiny_model_dir, tmp_path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("short one\n" + " ".join(["word"] * 200) + "\n", encoding="utf-8")
    args = ["geometry", str(tiny_model_dir), "--corpus", str(path), "--max-length", "16"]
    result = CliRunner().invoke(app, [*args, "--strict", "--metrics", "norms"])
    assert isinstance(result.exception, CselabError)
    assert "1 of 2 sentences exceed the model's limit of 16 tokens" in str(result.exception)


@pytest.mark.slow
def test_geometry_without_arguments_runs_minilm_on_the_default_corpus(minilm_dir) -> None:
    from cselab.data.corpora import default_corpus_path

    try:
        default_corpus_path()
    except CselabError:
        pytest.skip("the default corpus is not installed yet")
    result = CliRunner().invoke(app, ["geometry"])
    assert result.exit_code == 0, result.output
    assert "all-MiniLM-L6-v2 on default" in result.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--device", "foo"], "device 'foo' is not a torch device"),
        (["--metrics", " , "], "--metrics ' , ': name at least one metric family"),
    ],
)
def test_device_and_empty_metrics_are_one_line(tiny_model_dir, corpus, extra, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["geometry", str(tiny_model_dir), "--corpus", str(corpus), *extra])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_a_max_length_above_the_positions_is_refused_before_any_work(
    tiny_model_dir, tmp_path, monkeypatch, capsys
) -> None:
    from cselab.cli import geometry_display

    path = tmp_path / "long.txt"
    path.write_text(" ".join(["word"] * 700) + "\nshort one\n", encoding="utf-8")
    monkeypatch.setattr(geometry_display, "analyze_geometry", lambda *a, **k: pytest.fail("ran"))
    with pytest.raises(SystemExit) as exc:
        main(["geometry", str(tiny_model_dir), "--corpus", str(path), "--max-length", "100000"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"error: --max-length 100000 is above the position limit of model "
        f"{str(tiny_model_dir)!r} (128 tokens): give at most 128"
    )


@pytest.mark.filterwarnings("ignore:1 of 6 sentences exceed")
def test_geometry_prints_the_corpus_it_measured(tiny_model_dir, corpus, tiny_model) -> None:
    args = ["geometry", str(tiny_model_dir), "--corpus", str(corpus), "--metrics", "norms"]
    result = CliRunner().invoke(app, [*args, "--max-length", "9", "-q"])
    assert result.exit_code == 0, result.output
    kept = 0  # brute force: each sentence alone, cut to 9 tokens, [CLS] and [SEP] left out
    for sentence in corpus.read_text(encoding="utf-8").splitlines():
        kept += min(len(tiny_model.tokenizer(sentence)["input_ids"]), 9) - 2
    first = result.stdout.splitlines()[0]
    assert first == f"corpus corpus: 6 sentences, {kept} tokens kept (special tokens out)"
