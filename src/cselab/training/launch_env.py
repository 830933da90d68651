"""What torchrun (or ``accelerate launch``) tells a process about itself: rank, world size
and local rank, read from the environment and checked (no torch needed, so the command
line can decide which process writes before anything heavy is imported).
:mod:`cselab.training.distributed` joins the process group they describe.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cselab.errors import CselabError

ENV_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


@dataclass(frozen=True)
class DistributedEnv:
    """What torchrun / ``accelerate launch`` tell a process about itself."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def _int_var(name: str, environ: dict[str, str]) -> int:
    value = environ.get(name)
    if value is None:
        raise CselabError(f"environment variable {name} is not set (torchrun sets it)")
    try:
        number = int(value)
    except ValueError:
        raise CselabError(f"environment variable {name}={value!r} is not an integer") from None
    if number < 0:
        raise CselabError(f"environment variable {name}={value!r} must be >= 0")
    return number


def read_env(environ: dict[str, str] | None = None) -> DistributedEnv:
    """Rank, world size and local rank from the environment; one process if WORLD_SIZE is unset."""
    env = dict(os.environ if environ is None else environ)
    if "WORLD_SIZE" not in env:
        return DistributedEnv()
    world_size = _int_var("WORLD_SIZE", env)
    if world_size < 1:
        raise CselabError(f"environment variable WORLD_SIZE={world_size} must be >= 1")
    rank = _int_var("RANK", env)
    if rank >= world_size:
        raise CselabError(f"environment variable RANK={rank} must be < WORLD_SIZE={world_size}")
    local_rank = _int_var("LOCAL_RANK", env) if "LOCAL_RANK" in env else rank
    if world_size > 1:
        for name in ("MASTER_ADDR", "MASTER_PORT"):
            if not env.get(name):
                raise CselabError(f"environment variable {name} is not set (torchrun sets it)")
        _int_var("MASTER_PORT", env)
    return DistributedEnv(rank, world_size, local_rank)
