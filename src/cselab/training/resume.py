"""Resuming a run: the config must match, and each rank gets back its own RNG state."""

from __future__ import annotations

from pathlib import Path

import yaml

from cselab.errors import CselabError
from cselab.training.config import FIELDS, TrainConfig
from cselab.training.parallel import Processes

#: Fields that may change between a crashed run and its resumption.
RESUMABLE_CHANGES = {"progress", "tensorboard", "device", "keep_checkpoints"}


def check_resumable(config: TrainConfig, checkpoint: Path) -> None:
    """A run resumes only with the config it was started with (up to RESUMABLE_CHANGES)."""
    saved = yaml.safe_load((checkpoint / "config.yaml").read_text(encoding="utf-8"))
    for name, value in config.to_dict().items():
        before = saved.get(name, FIELDS[name].default)  # a field added since: its default
        if name not in RESUMABLE_CHANGES and before != value:
            raise CselabError(
                f"config field {name!r} = {value!r} differs from {before!r} in "
                f"{checkpoint}; use another output_dir or the original config to resume"
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
