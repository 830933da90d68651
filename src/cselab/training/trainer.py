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

import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import yaml

from cselab.errors import CselabError
from cselab.io.locks import output_lock
from cselab.training.batching import epoch_batches
from cselab.training.checkpoints import latest_checkpoint
from cselab.training.config import TrainConfig, save_config, validate_config
from cselab.training.data import read_training_data
from cselab.training.distributed import read_env
from cselab.training.model_setup import build_loss, loss_arguments
from cselab.training.parallel import (
    Processes,
    check_parallel_config,
    rank_device,
    start_processes,
)
from cselab.training.probes import ProbeSet, build_probes, run_probes
from cselab.training.resume import check_fresh_start, check_resumable
from cselab.training.run_log import (
    RunLog,
    drop_after,
    progress_bar,
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


def train(config: TrainConfig) -> TrainResult:
    """Train (or resume) the run in ``config.output_dir``, holding its lock (one writer per
    run folder, checked before any work: :func:`cselab.io.locks.output_lock`)."""
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
        record_session(run_dir, config.name, state.step, procs.world_size)
    procs.barrier()
    run_steps(state, config, procs, examples, plan, probes, log, device)
    seconds = state.totals["train_seconds"]
    return TrainResult(
        run_dir=run_dir,
        steps=len(plan),
        resumed_from=found[0] if found else None,
        train_seconds=seconds,
        sentences_per_second=state.totals["sentences"] / seconds if seconds else 0.0,
        model=state.model,
    )


def start_run_dir(config: TrainConfig, run_dir: Path, metrics: Path) -> None:
    """A fresh run's folder: its config, and no table of an earlier attempt."""
    run_dir.mkdir(parents=True, exist_ok=True)
    if metrics.exists():
        metrics.unlink()
    save_config(config, run_dir / "config.yaml")


def run_steps(
    state: TrainState, config: TrainConfig, procs: Processes, examples, plan, probes, log, device
) -> None:
    """Steps ``state.step`` … ``len(plan)``: train, log and probe, checkpoint."""
    objective = procs.wrap_loss(state.loss, config)
    encoder = procs.wrap_model(state.model, device)
    run_dir = Path(config.output_dir)
    config_yaml = yaml.safe_dump(config.to_dict(), sort_keys=False)
    state.model.train()
    progress = progress_bar(config.name, state.step, len(plan), config.progress and procs.is_main)
    for step in range(state.step, len(plan)):
        tick = time.perf_counter()
        batch = procs.shard([examples[i] for i in plan[step]])
        loss, parts = train_step(
            state,
            batch,
            objective,
            encoder=encoder,
            procs=procs,
            mini_batch=config.gradcache_mini_batch,
            max_grad_norm=config.max_grad_norm,
        )
        state.record(loss, parts, time.perf_counter() - tick, len(plan[step]))
        progress.update(1)
        speed = state.totals["sentences"] / state.totals["train_seconds"]
        progress.set_postfix(loss=f"{loss:.4f}", sent_per_s=f"{speed:.0f}")
        final = state.step == len(plan)
        probe_due = due(config.probe_every, state.step, final)
        checkpoint_due = due(config.checkpoint_every, state.step, final)
        if probe_due:
            log_window(state, config, procs, probes, log)
        if checkpoint_due:
            keep = config.keep_checkpoints
            save_train_state(state, run_dir, procs, config_yaml, final=final, keep=keep)
        if probe_due or checkpoint_due:
            procs.barrier()  # the other ranks wait while rank 0 writes
    progress.close()


def log_window(
    state: TrainState, config: TrainConfig, procs: Processes, probes: ProbeSet, log: RunLog
) -> None:
    """Rank 0 logs the mean loss and parts since the last probe, and the probes; then every
    rank starts a new window."""
    if procs.is_main:
        rows = training_rows(state.totals, state.parts, state.scheduler.get_last_lr()[0])
        rows += run_probes(
            state.model, probes, config.loss, loss_arguments(config), step=state.step
        )
        log.log(rows, state.step)
    state.start_window()
