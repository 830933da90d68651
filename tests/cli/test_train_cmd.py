"""`cselab train`: flags and YAML reach the trainer; bad input exits 2 naming the field."""

from __future__ import annotations

from pathlib import Path

from cli_training import run_cli, write_config


def test_train_from_yaml_with_flag_override(tiny_model_dir, tmp_path: Path, capsys) -> None:
    config = write_config(tmp_path, tiny_model_dir)
    out = tmp_path / "cli_run"
    assert (
        run_cli(
            ["train", "--config", str(config), "--steps", "2", "--out", str(out), "--set", "seed=3"]
        )
        == 0
    )
    assert (out / "checkpoints" / "step-000002" / "modules.json").is_file()
    assert "seed: 3" in (out / "config.yaml").read_text()
    assert "trained 2 steps" in capsys.readouterr().out


def test_bad_temperature_exits_with_message(tiny_model_dir, tmp_path: Path, capsys) -> None:
    config = write_config(tmp_path, tiny_model_dir)
    assert run_cli(["train", "--config", str(config), "--temperature", "0"]) == 2
    assert "config field 'temperature' = 0.0" in capsys.readouterr().err
