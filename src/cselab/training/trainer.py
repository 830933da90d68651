"""``cselab train``: a plain PyTorch loop around a SentenceTransformer.

Why not ``SentenceTransformerTrainer``: exact resume after ``kill -9`` needs control of
every RNG stream and of the data order (a seeded, duplicate-free batch order rebuilt from
``(seed, epoch)``), probes must not perturb those streams, and the cselab losses take
embeddings (anchor, positive, negative) rather than feature dicts. The loop is the
textbook one — AdamW, linear warm-up then linear decay, gradient clipping — and its speed
is measured against the sentence-transformers trainer in ``benchmarks/training_speed.py``.
(cselab's losses and probes also work inside that trainer:
:mod:`cselab.integrations.sentence_transformers`.)

The loop, each piece a function: :func:`cselab.training.step.train_step` (one optimizer
step, returning the global loss and its parts), :func:`log_window` (training rows and
probes, through the run's one :class:`~cselab.training.run_log.RunLog`),
:func:`cselab.training.state.save_train_state` (the one place a checkpoint is written from
the :class:`~cselab.training.state.TrainState`). Under torchrun each rank trains its share
of the global batch in the loss's multi-process form (:mod:`cselab.training.parallel`).
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml

from cselab.errors import CselabError
from cselab.io.locks import output_lock
from cselab.training.batching import epoch_batches
from cselab.training.checkpoints import (
    STATE_FILE,
    checkpoint_dir,
    latest_checkpoint,
    list_checkpoints,
)
from cselab.training.config import TrainConfig, as_config, save_config, validate_config
from cselab.training.data import read_training_data
from cselab.training.divergence import Diverged, diverged_message
from cselab.training.launch_env import read_env
from cselab.training.model_setup import build_loss, loss_arguments
from cselab.training.parallel import (
    Processes,
    check_parallel_config,
    rank_device,
    start_processes,
)
from cselab.training.preemption import RunStopped, StopRequest, stop_on_signals, stopped_message
from cselab.training.probes import ProbeSet, build_probes, run_probes
from cselab.training.resume import check_fresh_start, check_length, check_resumable
from cselab.training.retention import (
    FINAL_DIR,
    Best,
    disk_usage,
    format_bytes,
    publish_final,
    retain,
)
from cselab.training.run_log import (
    RunLog,
    drop_after,
    progress_bar,
    record_end,
    record_session,
    training_rows,
)
from cselab.training.state import (
    TrainState,
    build_train_state,
    restore_train_state,
    save_train_state,
)
from cselab.training.step import train_step


@dataclass
class TrainResult:
    run_dir: Path
    steps: int
    resumed_from: int | None
    train_seconds: float
    sentences_per_second: float
    model: object = None  # the trained SentenceTransformer (in memory)
    best: Best | None = None  # the best checkpoint by metric_for_best (rank 0)
    disk_bytes: int = 0  # the run folder's size at the end (rank 0)
    is_main: bool = True  # False on the other ranks of a torchrun job (they print nothing)
    kept: list[int] = field(default_factory=list)  # the steps of the checkpoints kept (rank 0)
    skipped_steps: int = 0  # steps whose update was skipped (nan_policy: skip)

    def disk_line(self) -> str:
        """``disk used: 1.2 GB in runs/a (checkpoints 400, 600 and final/; best: step 200,
        sts_dev_spearman = 84.1)``."""
        steps = ", ".join(str(step) for step in self.kept)
        best = (
            ""
            if self.best is None
            else (f"; best: step {self.best.step}, {self.best.metric} = {self.best.value:.4g}")
        )
        return (
            f"disk used: {format_bytes(self.disk_bytes)} in {self.run_dir} "
            f"(checkpoints {steps} and {FINAL_DIR}/{best})"
        )


def plan_steps(examples, config: TrainConfig) -> list[list[int]]:
    """Every step's example indices: epochs of seeded batches, cut at ``max_steps``."""
    plan: list[list[int]] = []
    epoch = 0
    while True:
        batches = epoch_batches(
            examples,
            config.batch_size,
            seed=config.seed,
            epoch=epoch,
            no_duplicates=config.no_duplicates,
        )
        if not batches:
            raise CselabError(
                f"config field 'batch_size' = {config.batch_size}: the data {config.data!r} "
                f"({len(examples)} examples) cannot fill one batch"
            )
        plan += batches
        epoch += 1
        if config.max_steps is not None and len(plan) >= config.max_steps:
            return plan[: config.max_steps]
        if config.max_steps is None and epoch >= config.epochs:
            return plan


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train(
    config: TrainConfig | Mapping[str, Any] | str | os.PathLike[str] | None = None,
    **overrides: Any,
) -> TrainResult:
    """Train (or resume) the run in ``config.output_dir``, holding its lock (one writer per
    run folder, checked before any work: :func:`cselab.io.locks.output_lock`).

    ``config``: a :class:`TrainConfig`, a mapping of its fields or a YAML file; keyword
    ``overrides`` set fields (:func:`cselab.training.config.as_config`), e.g.
    ``train("run.yaml", max_steps=50)`` or ``train(model=..., data=..., output_dir=...)``.
    """
    config = as_config(config, **overrides)
    validate_config(config)
    with output_lock(config.output_dir, "cselab train", enabled=read_env().is_main):
        return _prepare_and_train(config)


def _prepare_and_train(config: TrainConfig) -> TrainResult:
    env = read_env()
    check_parallel_config(config, env.world_size)
    examples = read_training_data(
        config.data,
        config.data_kind,
        score_threshold=config.score_threshold,
        nli_hard_negatives=config.nli_hard_negatives,
    )
    plan = plan_steps(examples, config)
    build_loss(config)  # a bad loss_params fails before the model is loaded
    probes = build_probes(config, examples) if env.is_main else ProbeSet()
    procs = start_processes(config.device)
    try:
        return _train(config, procs, examples, plan, probes)
    finally:
        procs.close()


def due(every: int | None, done: int, final: bool) -> bool:
    """Whether a thing done every ``every`` steps (and at the last one) is due after ``done``."""
    return every is not None and (done % every == 0 or final)


def _train(config: TrainConfig, procs: Processes, examples, plan, probes) -> TrainResult:
    device = rank_device(config.device, procs.env)
    run_dir = Path(config.output_dir)
    found = latest_checkpoint(run_dir)
    procs.agree(found[0] if found else None, f"the last checkpoint in {str(run_dir)!r}")
    seed_everything(config.seed + procs.rank)  # rank 0 (and one process): the seed itself
    if found is not None:
        check_resumable(config, found[1])
        check_length(config, found[1], found[0], len(plan))
    else:
        check_fresh_start(config, run_dir)
    state = build_train_state(config, device, len(plan), source=found[1] if found else None)
    log = RunLog(
        run_dir, config.name, config.model, enabled=procs.is_main, tensorboard=config.tensorboard
    )
    if found is not None:
        restore_train_state(state, found[1], procs)
        if procs.is_main:
            drop_after(log.path, state.step)
    elif procs.is_main:
        start_run_dir(config, run_dir, log.path)
        if config.probe_every is not None:
            log.log(run_probes(state.model, probes, config.loss, loss_arguments(config)), 0)
    if procs.is_main and state.step < len(plan):
        record_session(run_dir, config.name, state.step, procs.world_size, len(plan))
        save_config(config, run_dir / "config.yaml")  # a continued run: its new length
    procs.barrier()
    with stop_on_signals() as stop:
        run_steps(state, config, procs, examples, plan, probes, log, device, stop)
    best, disk = finish_run(config, run_dir, log.path) if procs.is_main else (None, 0)
    kept = [step for step, _ in list_checkpoints(run_dir)] if procs.is_main else []
    seconds = state.totals["train_seconds"]
    return TrainResult(
        run_dir=run_dir,
        steps=len(plan),
        resumed_from=found[0] if found else None,
        train_seconds=seconds,
        sentences_per_second=state.totals["sentences"] / seconds if seconds else 0.0,
        model=state.model,
        best=best,
        disk_bytes=disk,
        is_main=procs.is_main,
        kept=kept,
        skipped_steps=int(state.totals["skipped_steps"]),
    )


def start_run_dir(config: TrainConfig, run_dir: Path, metrics: Path) -> None:
    """A fresh run's folder: its config, and no table of an earlier attempt."""
    run_dir.mkdir(parents=True, exist_ok=True)
    if metrics.exists():
        metrics.unlink()
    save_config(config, run_dir / "config.yaml")


def finish_run(config: TrainConfig, run_dir: Path, metrics: Path) -> tuple[Best | None, int]:
    """The finished run's ``final/`` model (its last checkpoint's), best checkpoint and disk
    used, recorded in ``summary.json`` (rank 0)."""
    found = latest_checkpoint(run_dir)
    if found is None:  # pragma: no cover - the last step always writes a checkpoint
        raise CselabError(f"run {str(run_dir)!r} finished without a checkpoint")
    best = retain(run_dir, metrics, config)
    publish_final(run_dir, found[1], skip=(STATE_FILE, "config.yaml"))
    disk = disk_usage(run_dir)
    final = {"step": found[0], "path": FINAL_DIR}
    best_record = None if best is None else best.to_dict()
    record_end(run_dir, found[0], "finished", "finished", final=final, best=best_record,
               disk_bytes=disk)  # fmt: skip
    return best, disk


def run_steps(
    state: TrainState,
    config: TrainConfig,
    procs: Processes,
    examples,
    plan,
    probes,
    log,
    device,
    stop: StopRequest,
) -> None:
    """Steps ``state.step`` … ``len(plan)``: train, log and probe, checkpoint; stop at a
    non-finite step (``nan_policy: stop``) or after a stop signal."""
    objective = procs.wrap_loss(state.loss, config)
    encoder = procs.wrap_model(state.model, device)
    run_dir = Path(config.output_dir)
    config_yaml = yaml.safe_dump(config.to_dict(), sort_keys=False)
    state.model.train()
    progress = progress_bar(config.name, state.step, len(plan), config.progress and procs.is_main)
    for step in range(state.step, len(plan)):
        tick = time.perf_counter()
        batch = procs.shard([examples[i] for i in plan[step]])
        outcome = train_step(
            state,
            batch,
            objective,
            encoder=encoder,
            procs=procs,
            mini_batch=config.gradcache_mini_batch,
            max_grad_norm=config.max_grad_norm,
        )
        state.record(outcome, time.perf_counter() - tick, len(plan[step]))
        if not outcome.applied and config.nan_policy == "stop":
            progress.close()
            stop_diverged(state, outcome, run_dir, procs)
        progress.update(1)
        speed = state.totals["sentences"] / state.totals["train_seconds"]
        progress.set_postfix(loss=f"{outcome.loss:.4f}", sent_per_s=f"{speed:.0f}")
        final = state.step == len(plan)
        stopping = procs.any_true(stop.signum is not None) and not final
        probe_due = due(config.probe_every, state.step, final)
        log_due = due(config.log_every, state.step, final) or probe_due
        checkpoint_due = due(config.checkpoint_every, state.step, final) or stopping
        if log_due:
            log_window(state, config, procs, probes if probe_due else None, log)
        if checkpoint_due:
            save_train_state(state, run_dir, procs, config_yaml)
            if procs.is_main:
                retain(run_dir, log.path, config)
        if log_due or checkpoint_due:
            procs.barrier()  # the other ranks wait while rank 0 writes
        if stopping:
            progress.close()
            stop_on_request(state, run_dir, procs, stop)
    progress.close()


def stop_diverged(state: TrainState, outcome, run_dir: Path, procs: Processes) -> None:
    """Raise :class:`Diverged` naming the step (rank 0 records it first); nothing of the
    step is saved."""
    last = latest_checkpoint(run_dir)
    message = diverged_message(state.step, outcome.problem, last[1] if last else None)
    if procs.is_main:
        record_end(run_dir, state.step, "diverged", outcome.problem)
    raise Diverged(message)


def stop_on_request(state: TrainState, run_dir: Path, procs: Processes, stop: StopRequest) -> None:
    """Raise :class:`RunStopped` after the stop checkpoint (rank 0 records the stop first)."""
    signum = stop.signum if stop.signum is not None else int(signal.SIGTERM)  # another rank's
    if procs.is_main:
        name = signal.Signals(signum).name
        record_end(run_dir, state.step, "stopped", f"stopped by {name}")
    checkpoint = str(checkpoint_dir(run_dir, state.step))
    raise RunStopped(stopped_message(signum, state.step, checkpoint), signum)


def log_window(
    state: TrainState,
    config: TrainConfig,
    procs: Processes,
    probes: ProbeSet | None,
    log: RunLog,
) -> None:
    """Rank 0 logs the means since the last log (loss, its parts, gradient norm), the
    learning rate and, when ``probes`` are given, the probes; then every rank starts a new
    window."""
    if procs.is_main:
        lr = state.scheduler.get_last_lr()[0]
        rows = training_rows(state.totals, state.parts, lr, skipped=config.nan_policy == "skip")
        if probes is not None:
            rows += run_probes(
                state.model, probes, config.loss, loss_arguments(config), step=state.step
            )
        log.log(rows, state.step)
    state.start_window()
