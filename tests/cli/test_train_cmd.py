"""`cselab train`: flags and YAML reach the trainer; bad input exits 2 naming the field."""

from __future__ import annotations

from pathlib import Path

from cselab.cli.main import main
from cselab.training.config import TrainConfig, save_config


def run_cli(args: list[str]) -> int:
    """Run ``cselab ARGS``; return its exit status (typer exits even on success)."""
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def write_config(tmp_path: Path, model_dir: Path, **changes) -> Path:
    """A tiny unsupervised-SimCSE config on generated sentences."""
    data = tmp_path / "sentences.txt"
    data.write_text("\n".join(f"sentence number {i} is here." for i in range(40)), encoding="utf-8")
    values = dict(
        model=str(model_dir),
        loss="info_nce",
        data=str(data),
        data_kind="sentences",
        batch_size=8,
        max_steps=2,
        checkpoint_every=2,
        probe_every=None,
        max_seq_length=16,
        output_dir=str(tmp_path / "run"),
        progress=False,
    )
    values.update(changes)
    return save_config(TrainConfig(**values), tmp_path / "run.yaml")


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
