"""Helpers of the training CLI tests: run ``cselab`` in-process, write a tiny config."""

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
