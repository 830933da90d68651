"""`cselab sweep`: one run dir per grid point; a second call skips finished runs."""

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


def test_sweep_cli_default_grid_and_skip(tiny_model_dir, tmp_path: Path, capsys) -> None:
    config = write_config(tmp_path, tiny_model_dir, max_steps=1, checkpoint_every=1)
    args = ["sweep", "--config", str(config), "--out", str(tmp_path / "sweep"), "--span", "1"]
    assert run_cli(args) == 0
    assert sorted(p.name for p in (tmp_path / "sweep").iterdir()) == [
        "tau0.025-bs8-model",
        "tau0.05-bs8-model",
        "tau0.1-bs8-model",
    ]
    capsys.readouterr()
    assert run_cli(args) == 0
    assert capsys.readouterr().out.count("skipped") == 3
