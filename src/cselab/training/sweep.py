"""Sweeps over temperature, batch size and pooling: one run directory each, resumable.

Xiao et al. 2023 (Section 4.1) argue a temperature should be searched in powers of two
around a good value (an upper-bound τ twice the lower-bound one pushes negatives from 0 to
−1), not in powers of ten; :func:`default_temperatures` gives ``centre · 2^k`` for
``k = −span … span`` (centre 0.05, span 1: 0.025, 0.05, 0.1 — the paper's grid).
A run whose final checkpoint exists is skipped; an interrupted one resumes.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cselab import progress
from cselab.errors import CselabError
from cselab.training.checkpoints import latest_checkpoint
from cselab.training.config import TrainConfig, validate_config
from cselab.training.data import read_training_data
from cselab.training.resume import check_resumable
from cselab.training.trainer import plan_steps, train


def default_temperatures(centre: float = 0.05, span: int = 1) -> list[float]:
    """``centre · 2^k`` for k in [−span, span], rounded to 6 significant digits."""
    if not centre > 0:
        raise CselabError(f"temperature centre {centre!r} must be > 0")
    if span < 0:
        raise CselabError(f"temperature span {span!r} must be >= 0")
    return [float(f"{centre * 2.0**k:.6g}") for k in range(-span, span + 1)]


def sweep_temperatures(
    base: TrainConfig, given: Sequence[float] | None, centre: float | None, span: int
) -> list[float | None]:
    """The sweep's τ values: ``given``, else ``centre·2^k`` around ``centre`` or the config's τ
    (0.05 when unset); ``[None]`` for a loss without a temperature, unless τ values are given
    (then validation names the field)."""
    import inspect

    from cselab.losses import LOSSES

    if given:
        return list(given)
    takes_tau = (
        base.loss in LOSSES and "temperature" in inspect.signature(LOSSES[base.loss]).parameters
    )
    if not takes_tau and centre is None:
        return [None]
    if centre is None:
        centre = base.temperature if base.temperature is not None else 0.05
    return list(default_temperatures(centre, span))


@dataclass
class SweepRun:
    name: str
    config: TrainConfig
    status: str = "pending"  # pending | skipped | trained


def run_name(temperature: float | None, batch_size: int, pooling: str | None) -> str:
    tau = "default" if temperature is None else f"{temperature:g}"
    return f"tau{tau}-bs{batch_size}-{pooling or 'model'}"


def plan_sweep(
    base: TrainConfig,
    out_dir: str | os.PathLike[str],
    *,
    temperatures: Sequence[float | None] | None = None,
    batch_sizes: Sequence[int] | None = None,
    poolings: Sequence[str | None] | None = None,
) -> list[SweepRun]:
    """The grid's configs; each validated before any run starts."""
    grid = itertools.product(
        temperatures or [base.temperature],
        batch_sizes or [base.batch_size],
        poolings or [base.pooling],
    )
    runs: list[SweepRun] = []
    for tau, batch, pooling in grid:
        name = run_name(tau, batch, pooling)
        if any(run.name == name for run in runs):
            raise CselabError(
                f"two grid points share the run name {name!r} (temperature {tau!r}, batch size "
                f"{batch}, pooling {pooling!r}): give distinct values (names keep 6 digits of τ)"
            )
        config = dataclasses.replace(
            base,
            temperature=tau,
            batch_size=batch,
            pooling=pooling,
            output_dir=str(Path(out_dir) / name),
            run_name=name,
        )
        validate_config(config)
        runs.append(SweepRun(name, config))
    return runs


def is_finished(config: TrainConfig) -> bool:
    """True when the run's last checkpoint is its final step; a run folder written with
    another config is an error, not a finished grid point."""
    found = latest_checkpoint(config.output_dir)
    if found is None:
        return False
    check_resumable(config, found[1])
    examples = read_training_data(
        config.data,
        config.data_kind,
        score_threshold=config.score_threshold,
        nli_hard_negatives=config.nli_hard_negatives,
    )
    return found[0] >= len(plan_steps(examples, config))


def run_sweep(runs: Sequence[SweepRun]) -> list[SweepRun]:
    """Train every run that is not finished (interrupted ones resume); mark each run's status.
    Each run is announced as ``sweep run k of n: NAME`` through :mod:`cselab.progress`."""
    for number, run in enumerate(runs, start=1):
        where = f"sweep run {number} of {len(runs)}: {run.name}"
        if is_finished(run.config):
            run.status = "skipped"
            progress.note(f"{where}: finished already, skipped")
            continue
        progress.note(f"{where}: training")
        train(run.config)
        run.status = "trained"
    return list(runs)
