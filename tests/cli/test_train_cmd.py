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


def test_train_prints_the_disk_used(tiny_model_dir, tmp_path: Path, capsys) -> None:
    config = write_config(tmp_path, tiny_model_dir, max_steps=4, checkpoint_every=1)
    assert run_cli(["train", "--config", str(config), "--precision", "bf16"]) == 0
    out = capsys.readouterr().out
    assert "disk used: " in out and "(checkpoints 3, 4 and final/)" in out  # the last 2 kept


def test_a_diverging_run_stops_with_one_line(tiny_model_dir, tmp_path: Path, capsys) -> None:
    # a learning rate of 1e6 sends the weights to ~1e6 in one AdamW step: inf/nan next step
    config = write_config(tmp_path, tiny_model_dir, max_steps=4, checkpoint_every=1)
    assert run_cli(["train", "--config", str(config), "--lr", "1e6"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    [line] = [line for line in err.splitlines() if line.startswith("error:")]
    assert line.startswith("error: training diverged at step 2: the sentence embeddings hold inf")
    assert "step-000001' is kept" in line and "--set nan_policy=skip" in line
    assert sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir()) == ["step-000001"]
    assert run_cli(["train", "--config", str(config), "--lr", "1e6", "--nan-policy", "skip"]) == 0
    assert "trained 4 steps (resumed from step 1), 3 skipped (non-finite" in capsys.readouterr().out
