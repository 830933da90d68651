"""``cselab train``: a plain PyTorch loop around a SentenceTransformer.

Why not ``SentenceTransformerTrainer``: exact resume after ``kill -9`` needs control of
every RNG stream and of the data order (a seeded, duplicate-free batch order rebuilt from
``(seed, epoch)``), probes must not perturb those streams, and the cselab losses take
embeddings (anchor, positive, negative) rather than feature dicts. The loop is the
textbook one — AdamW, linear warm-up then linear decay, gradient clipping — and its speed
is measured against the sentence-transformers trainer in ``benchmarks/training_speed.py``.

Per step: the batch's texts (anchors, positives, hard negatives) are tokenized together and
embedded in one forward pass with dropout on (for unsupervised SimCSE the two copies of a
sentence get independent dropout masks), then ``loss(anchor, positive, negative)``.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import yaml

from cselab.data.pairs import Triplet
from cselab.errors import CselabError
from cselab.losses.base import LossOutput
from cselab.training.batching import epoch_batches
from cselab.training.checkpoints import (
    latest_checkpoint,
    load_trainer_state,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from cselab.training.config import TrainConfig, save_config, validate_config
from cselab.training.data import read_training_data
from cselab.training.gradcache import gradcache_step, sentence_embedding_fn
from cselab.training.model_setup import build_loss, loss_arguments, prepare_model
from cselab.training.probes import build_probes, run_probes
from cselab.training.run_log import METRICS_FILE, append_rows, drop_after

#: Fields that may change between a crashed run and its resumption.
RESUMABLE_CHANGES = {"progress", "tensorboard", "device", "keep_checkpoints"}


@dataclass
class TrainResult:
    run_dir: Path
    steps: int
    resumed_from: int | None
    train_seconds: float
    sentences_per_second: float
    model: object = None  # the trained SentenceTransformer (in memory)


def text_columns(batch) -> list[list[str]]:
    """[anchors, positives(, negatives)] of a batch; negatives only when all are triplets."""
    columns = [[e.anchor for e in batch], [e.positive for e in batch]]
    if all(isinstance(e, Triplet) for e in batch):
        columns.append([e.negative for e in batch])
    return columns


def tokenize(model, texts: list[str]) -> dict:
    features = model.preprocess(texts)
    return {k: v.to(model.device) if torch.is_tensor(v) else v for k, v in features.items()}


def embed_examples(model, batch):
    """(anchor, positive, negative | None) sentence embeddings, each (B, d), one forward pass."""
    columns = text_columns(batch)
    features = tokenize(model, [text for column in columns for text in column])
    embeddings = model(features)["sentence_embedding"]  # (k·B, d)
    views = list(embeddings.split(len(batch)))
    return views[0], views[1], views[2] if len(views) > 2 else None


def loss_and_backward(model, loss_fn, batch, mini_batch: int | None) -> LossOutput:
    """Forward + backward of one batch; with ``mini_batch``, through GradCache (same gradient)."""
    if mini_batch is None:
        output = loss_fn(*embed_examples(model, batch))
        output.loss.backward()
        return output
    columns = [tokenize(model, texts) for texts in text_columns(batch)]
    embed = sentence_embedding_fn(model)
    return gradcache_step(embed, columns, loss_fn, mini_batch_size=mini_batch)


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


def check_resumable(config: TrainConfig, checkpoint: Path) -> None:
    """A run resumes only with the config it was started with (up to RESUMABLE_CHANGES)."""
    saved = yaml.safe_load((checkpoint / "config.yaml").read_text(encoding="utf-8"))
    for name, value in config.to_dict().items():
        if name not in RESUMABLE_CHANGES and saved.get(name) != value:
            raise CselabError(
                f"config field {name!r} = {value!r} differs from {saved.get(name)!r} in "
                f"{checkpoint}; use another output_dir or the original config to resume"
            )


class _Tensorboard:
    def __init__(self, run_dir: Path, enabled: bool) -> None:
        self.writer = None
        if enabled:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(run_dir / "tensorboard"))

    def log(self, rows: list[dict], step: int) -> None:
        if self.writer is not None:
            for row in rows:
                suffix = f"/layer{row['layer']}" if row.get("layer", -1) >= 0 else ""
                self.writer.add_scalar(f"{row['metric']}{suffix}", row["value"], step)
            self.writer.flush()


def train(config: TrainConfig) -> TrainResult:
    """Train (or resume) the run in ``config.output_dir``; returns where it stands."""
    validate_config(config)
    examples = read_training_data(
        config.data,
        config.data_kind,
        score_threshold=config.score_threshold,
        nli_hard_negatives=config.nli_hard_negatives,
    )
    plan = plan_steps(examples, config)
    loss_fn = build_loss(config)
    params = loss_arguments(config)
    probes = build_probes(config, examples)
    run_dir = Path(config.output_dir)
    metrics = run_dir / METRICS_FILE
    found = latest_checkpoint(run_dir)
    seed_everything(config.seed)
    if found is not None:
        check_resumable(config, found[1])
    model = prepare_model(config, source=str(found[1]) if found else None)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        trainable + list(loss_fn.parameters()),
        lr=config.learning_rate,
        weight_decay=config.weight_decay,
    )
    from transformers import get_linear_schedule_with_warmup

    scheduler = get_linear_schedule_with_warmup(optimizer, config.warmup_steps, len(plan))
    board = _Tensorboard(run_dir, config.tensorboard)
    start, totals = 0, {"loss_sum": 0.0, "loss_count": 0, "train_seconds": 0.0, "sentences": 0}
    components: dict[str, float] = {}

    def log(rows: list[dict], step: int) -> None:
        stamped = [{"run": config.name, "step": step, "model": config.model, **r} for r in rows]
        append_rows(metrics, stamped)
        board.log(rows, step)

    if found is not None:
        state = load_trainer_state(found[1])
        loss_fn.load_state_dict(state["loss"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        set_rng_state(state["rng"])
        start, totals = int(state["step"]), dict(state["totals"])
        components = dict(state["components"])
        drop_after(metrics, start)
    else:
        run_dir.mkdir(parents=True, exist_ok=True)
        if metrics.exists():
            metrics.unlink()
        save_config(config, run_dir / "config.yaml")
        if config.probe_every is not None:
            log(run_probes(model, probes, config, params, embed_examples), 0)
    config_yaml = yaml.safe_dump(config.to_dict(), sort_keys=False)
    model.train()
    progress = _progress(config, start, len(plan))
    for step in range(start, len(plan)):
        tick = time.perf_counter()
        batch = [examples[i] for i in plan[step]]
        output = loss_and_backward(model, loss_fn, batch, config.gradcache_mini_batch)
        if config.max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(trainable, config.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        loss_value = float(output.loss.detach())
        totals["loss_sum"] += loss_value
        totals["loss_count"] += 1
        for name, value in output.components.items():
            components[name] = components.get(name, 0.0) + float(value)
        totals["train_seconds"] += time.perf_counter() - tick
        totals["sentences"] += len(batch)
        done = step + 1
        progress.update(1)
        progress.set_postfix(
            loss=f"{loss_value:.4f}",
            sent_per_s=f"{totals['sentences'] / totals['train_seconds']:.0f}",
        )
        final = done == len(plan)
        if config.probe_every is not None and (done % config.probe_every == 0 or final):
            rows = _training_rows(totals, components, scheduler.get_last_lr()[0])
            rows += run_probes(model, probes, config, params, embed_examples)
            log(rows, done)
            totals["loss_sum"], totals["loss_count"], components = 0.0, 0, {}
        if done % config.checkpoint_every == 0 or final:
            state = {
                "step": done,
                "totals": totals,
                "components": components,
                "loss": loss_fn.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "rng": rng_state(),
            }
            save_checkpoint(run_dir, done, model, state, config_yaml, keep=config.keep_checkpoints)
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


def _training_rows(totals: dict, components: dict[str, float], lr: float) -> list[dict]:
    count = max(1, totals["loss_count"])
    rows = [
        {"metric": "train_loss", "value": totals["loss_sum"] / count},
        {"metric": "learning_rate", "value": lr},
        {"metric": "train_seconds", "value": totals["train_seconds"]},
    ]
    rows += [{"metric": f"loss/{k}", "value": v / count} for k, v in components.items()]
    return rows


def _progress(config: TrainConfig, start: int, total: int):
    from tqdm.auto import tqdm

    return tqdm(
        total=total, initial=start, desc=config.name, unit="step", disable=not config.progress
    )
