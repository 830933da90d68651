"""What every command shares: -h/--help, --version, --quiet, cselab's own model line and
progress instead of the Hugging Face bars."""

from __future__ import annotations

from pathlib import Path

import pytest
from transformers.utils import logging as hf_logging
from typer.testing import CliRunner

import cselab
from cselab.cli.main import COMMANDS, app


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_every_command_takes_h_and_help(command: str, flag: str) -> None:
    result = CliRunner().invoke(app, [command, flag])
    assert result.exit_code == 0, result.output
    assert f"{command} [OPTIONS]" in result.output
    assert "--quiet" in result.output


def test_version_and_top_level_h() -> None:
    version = CliRunner().invoke(app, ["--version"])
    assert version.exit_code == 0 and version.output.strip() == f"cselab {cselab.__version__}"
    top = CliRunner().invoke(app, ["-h"])
    assert top.exit_code == 0 and all(name in top.output for name in COMMANDS)


@pytest.fixture
def corpus(tmp_path: Path, toy_sentences: list[str]) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(toy_sentences) + "\n", encoding="utf-8")
    return path


def test_geometry_shows_its_own_model_line_and_progress_not_hugging_faces(
    tiny_model_dir, corpus
) -> None:
    enabled_before = hf_logging.is_progress_bar_enabled()
    args = ["geometry", str(tiny_model_dir), "--corpus", str(corpus), "--metrics", "anisotropy"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Loading weights" not in result.stderr
    # 2 layers, 32-dim tiny BERT with the 30,522-token MiniLM vocabulary: about 1.0 M weights
    assert f"model {tiny_model_dir.name}: folder {tiny_model_dir} (2 layers, 1.0 M parameters)" in (
        result.stderr
    )
    # the geometry counts batches (6 sentences, one batch); a lazily read corpus has no total
    assert f"encoding with {tiny_model_dir.name} ..." in result.stderr
    assert f"encoding with {tiny_model_dir.name}: done, 1 batches" in result.stderr
    assert hf_logging.is_progress_bar_enabled() == enabled_before  # restored after the command


def test_quiet_prints_results_only(tiny_model_dir, corpus) -> None:
    args = ["geometry", str(tiny_model_dir), "--corpus", str(corpus), "--metrics", "anisotropy"]
    result = CliRunner().invoke(app, [*args, "-q"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "anisotropy" in result.stdout
