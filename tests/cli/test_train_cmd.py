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


def test_a_corrupted_trainer_state_is_one_line(tiny_model_dir, tmp_path: Path, capsys) -> None:
    config = write_config(tmp_path, tiny_model_dir)  # 2 steps, a checkpoint at step 2
    assert run_cli(["train", "--config", str(config)]) == 0
    state = tmp_path / "run" / "checkpoints" / "step-000002" / "trainer_state.pt"
    state.write_text("x\n")  # echo x > RUN/checkpoints/step-000002/trainer_state.pt
    capsys.readouterr()
    assert run_cli(["train", "--config", str(config)]) == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith(f"error: checkpoint state {str(state)!r} is damaged")
    assert "weights_only" not in error


def test_dev_data_while_probes_are_off_is_refused(tiny_model_dir, tmp_path: Path, capsys) -> None:
    config = write_config(tmp_path, tiny_model_dir)  # probe_every: null
    dev = tmp_path / "sentences.txt"
    assert run_cli(["train", "--config", str(config), "--dev-data", str(dev)]) == 2
    assert "config field 'dev_data' = " in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_train_help_lists_the_losses_and_every_default(capsys) -> None:
    from cselab.losses import LOSSES
    from cselab.training.config import TrainConfig

    assert run_cli(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.replace("│", " ").split())  # unwrap the panels
    assert all(name in text for name in LOSSES)
    defaults = TrainConfig()
    assert f"Examples per step (in-batch negatives). (default: {defaults.batch_size})" in text
    assert f"AdamW learning rate. (default: {defaults.learning_rate})" in text
    assert f"probe_max_sentences = {defaults.probe_max_sentences}" in text
    assert "metric_for_best = null" in text  # a field reached by --set only
    assert f"plus the best and final/. (default: {defaults.keep_checkpoints})" in text
