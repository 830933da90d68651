"""Resuming a run: the config must match, and each rank gets back its own RNG state."""

from __future__ import annotations

from pathlib import Path

import yaml

from cselab.errors import CselabError
from cselab.io.yaml_text import load_yaml
from cselab.results.table import read_table
from cselab.training.config import FIELDS, TrainConfig
from cselab.training.parallel import Processes

#: Fields that may change between a run and its resumption: how it is shown, run, kept and
#: logged (``output_dir``: the folder may have been moved or named by another path), its
#: length (``max_steps``, ``epochs``: a run continues to a larger one, its schedule
#: re-planned, :mod:`cselab.training.schedule`) and what a non-finite step does.
RESUMABLE_CHANGES = {
    "progress",
    "tensorboard",
    "device",
    "keep_checkpoints",
    "keep_best",
    "metric_for_best",
    "greater_is_better",
    "log_every",
    "nan_policy",
    "output_dir",
    "max_steps",
    "epochs",
}


def saved_config(path: Path) -> dict:
    """The config mapping recorded in ``path`` (a run's or a checkpoint's ``config.yaml``)."""
    try:
        saved = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CselabError(f"recorded config {str(path)!r} cannot be read: {exc}") from None
    if not isinstance(saved, dict):
        raise CselabError(f"recorded config {str(path)!r} does not hold a mapping of fields")
    return saved


def check_same_run(config: TrainConfig, recorded: Path) -> None:
    """A run resumes (or restarts) only with the config it was started with, as recorded in
    ``recorded`` (up to RESUMABLE_CHANGES)."""
    saved = saved_config(recorded)
    for name, value in config.to_dict().items():
        before = saved.get(name, FIELDS[name].default)  # a field added since: its default
        if name not in RESUMABLE_CHANGES and before != value:
            raise CselabError(
                f"config field {name!r} = {value!r} differs from {before!r} in "
                f"{str(recorded)!r}; use another output_dir or the original config to resume"
            )


def check_resumable(config: TrainConfig, checkpoint: Path) -> None:
    """The checkpoint was written by this run's config."""
    check_same_run(config, checkpoint / "config.yaml")


def check_length(config: TrainConfig, checkpoint: Path, step: int, planned: int) -> None:
    """A run continues to a length at least its last checkpoint's step (a shorter one would
    claim steps the model has already taken)."""
    if step > planned:
        name = "max_steps" if config.max_steps is not None else "epochs"
        raise CselabError(
            f"config field {name!r} = {getattr(config, name)!r} plans {planned} steps, but the "
            f"run is at step {step} already ({str(checkpoint)!r}); give at least {step} steps "
            "to continue it, or another output_dir"
        )


def check_fresh_start(config: TrainConfig, run_dir: Path) -> None:
    """A run without checkpoints may (re)start in ``run_dir`` unless that would delete
    results: a ``metrics.csv`` without a run ``config.yaml`` (another command's table), or
    one with training rows (step > 0) of a run with another config. A run that failed
    before training (bad dev data, say) leaves at most step-0 rows: it may restart changed."""
    recorded, metrics = run_dir / "config.yaml", run_dir / "metrics.csv"
    if recorded.is_file():
        if metrics.is_file() and (read_table(metrics)["step"] > 0).any():
            check_same_run(config, recorded)
    elif metrics.exists():
        raise CselabError(
            f"output_dir {str(run_dir)!r} holds a metrics.csv but no run config.yaml (the "
            "results of another command?): choose another output_dir"
        )


def resumed_rng(state: dict, checkpoint: Path, procs: Processes) -> dict:
    """This rank's RNG state; a checkpoint resumes only under the world size that wrote it."""
    saved = int(state.get("world_size", 1))
    if saved != procs.world_size:
        raise CselabError(
            f"checkpoint {str(checkpoint)!r} was written by {saved} process(es) but "
            f"WORLD_SIZE={procs.world_size}: resume with {saved} process(es) (each rank's "
            "dropout RNG state is restored)"
        )
    return state["rng_ranks"][procs.rank] if saved > 1 else state["rng"]
