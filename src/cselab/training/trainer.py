"""``cselab train``: a plain PyTorch loop around a SentenceTransformer.

Why not ``SentenceTransformerTrainer``: exact resume after ``kill -9`` needs control of
every RNG stream and of the data order (a seeded, duplicate-free batch order rebuilt from
``(seed, epoch)``), probes must not perturb those streams, and the cselab losses take
embeddings (anchor, positive, negative) rather than feature dicts. The loop is the
textbook one — AdamW, linear warm-up then linear decay, gradient clipping — and its speed
is measured against the sentence-transformers trainer in ``benchmarks/training_speed.py``.

One step is :func:`cselab.training.step.loss_and_backward` (a forward per column, or GradCache).
Under torchrun each rank trains its share of the global batch against candidates gathered
from every rank (:mod:`cselab.training.parallel`); BYOL adds an EMA target encoder
(:mod:`cselab.training.byol_target`).
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
from cselab.training.byol_target import EmaTarget, symmetric_byol
from cselab.training.checkpoints import (
    latest_checkpoint,
    load_trainer_state,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from cselab.training.config import TrainConfig, save_config, validate_config
from cselab.training.data import read_training_data
from cselab.training.distributed import read_env
from cselab.training.model_setup import build_loss, build_optimizer, loss_arguments, prepare_model
from cselab.training.parallel import (
    Processes,
    check_parallel_config,
    rank_device,
    start_processes,
)
from cselab.training.probes import ProbeSet, build_probes, run_probes
from cselab.training.resume import check_fresh_start, check_resumable, resumed_rng
from cselab.training.run_log import (
    METRICS_FILE,
    Tensorboard,
    append_rows,
    drop_after,
    progress_bar,
    record_session,
    training_rows,
)
from cselab.training.step import embed_examples, loss_and_backward


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


def _train(config: TrainConfig, procs: Processes, examples, plan, probes) -> TrainResult:
    device = rank_device(config.device, procs.env)
    params = loss_arguments(config)
    run_dir = Path(config.output_dir)
    metrics = run_dir / METRICS_FILE
    found = latest_checkpoint(run_dir)
    procs.agree(found[0] if found else None, f"the last checkpoint in {str(run_dir)!r}")
    seed_everything(config.seed + procs.rank)  # rank 0 (and one process): the seed itself
    if found is not None:
        check_resumable(config, found[1])
    else:
        check_fresh_start(config, run_dir)
    model = prepare_model(config, source=str(found[1]) if found else None, device=device)
    loss_fn = build_loss(config, model=model, device=device)
    step_loss = procs.wrap_loss(loss_fn, config)
    target = EmaTarget(model, config.ema_decay) if config.loss == "byol" else None
    encoder = procs.wrap_model(model, device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = build_optimizer(trainable + list(loss_fn.parameters()), config)
    from transformers import get_linear_schedule_with_warmup

    scheduler = get_linear_schedule_with_warmup(optimizer, config.warmup_steps, len(plan))
    board = Tensorboard(run_dir, config.tensorboard and procs.is_main)
    start, totals = 0, {"loss_sum": 0.0, "loss_count": 0, "train_seconds": 0.0, "sentences": 0}
    components: dict[str, float] = {}

    def log(rows: list[dict], step: int) -> None:
        stamped = [{"run": config.name, "step": step, "model": config.model, **r} for r in rows]
        append_rows(metrics, stamped)
        board.log(rows, step)

    if found is not None:
        state = load_trainer_state(found[1])
        loss_fn.load_state_dict(state["loss"])
        if "optimizer" in state:  # absent from a finished run's final checkpoint
            optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        set_rng_state(resumed_rng(state, found[1], procs))
        if target is not None:
            target.load_state_dict(state["byol_target"])
        start, totals = int(state["step"]), dict(state["totals"])
        components = dict(state["components"])
        if procs.is_main:
            drop_after(metrics, start)
    elif procs.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        if metrics.exists():
            metrics.unlink()
        save_config(config, run_dir / "config.yaml")
        if config.probe_every is not None:
            log(run_probes(model, probes, config, params, embed_examples), 0)
    if procs.is_main and start < len(plan):
        record_session(run_dir, config.name, start, procs.world_size)
    procs.barrier()
    config_yaml = yaml.safe_dump(config.to_dict(), sort_keys=False)
    model.train()
    progress = progress_bar(config.name, start, len(plan), config.progress and procs.is_main)
    for step in range(start, len(plan)):
        tick = time.perf_counter()
        batch = procs.shard([examples[i] for i in plan[step]])
        objective = step_loss
        if target is not None:
            objective = symmetric_byol(loss_fn, *target.embed(batch))
        output = loss_and_backward(
            model, objective, batch, config.gradcache_mini_batch, encoder=encoder
        )
        if config.max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(trainable, config.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        if target is not None:
            target.update(model)
        names = list(output.components)
        loss_value, *parts = procs.mean(
            [float(output.loss.detach())] + [float(output.components[n]) for n in names]
        )
        totals["loss_sum"] += loss_value
        totals["loss_count"] += 1
        for name, value in zip(names, parts, strict=True):
            components[name] = components.get(name, 0.0) + value
        totals["train_seconds"] += time.perf_counter() - tick
        totals["sentences"] += len(plan[step])
        done = step + 1
        progress.update(1)
        progress.set_postfix(
            loss=f"{loss_value:.4f}",
            sent_per_s=f"{totals['sentences'] / totals['train_seconds']:.0f}",
        )
        final = done == len(plan)
        probe_due = config.probe_every is not None and (done % config.probe_every == 0 or final)
        if probe_due:
            if procs.is_main:
                rows = training_rows(totals, components, scheduler.get_last_lr()[0])
                rows += run_probes(model, probes, config, params, embed_examples)
                log(rows, done)
            totals["loss_sum"], totals["loss_count"], components = 0.0, 0, {}
        if done % config.checkpoint_every == 0 or final:
            rngs = procs.gather(rng_state())  # every rank's dropout stream
            if procs.is_main:
                state = {
                    "step": done,
                    "totals": totals,
                    "components": components,
                    "loss": loss_fn.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "rng": rngs[0],
                    "world_size": procs.world_size,
                }
                if not final:  # a finished run never resumes: no Adam moments to write
                    state["optimizer"] = optimizer.state_dict()
                if procs.world_size > 1:
                    state["rng_ranks"] = rngs
                if target is not None:
                    state["byol_target"] = target.state_dict()
                save_checkpoint(
                    run_dir, done, model, state, config_yaml, keep=config.keep_checkpoints
                )
        if probe_due or done % config.checkpoint_every == 0 or final:
            procs.barrier()  # the other ranks wait while rank 0 writes
    progress.close()
    seconds = totals["train_seconds"]
    return TrainResult(
        run_dir=run_dir,
        steps=len(plan),
        resumed_from=found[0] if found else None,
        train_seconds=seconds,
        sentences_per_second=totals["sentences"] / seconds if seconds else 0.0,
        model=model,
    )
