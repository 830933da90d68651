"""Everything a run carries from step to step, and the one place it is saved and restored.

:class:`TrainState` holds the model, the loss (with whatever it trains or keeps: BYOL's
predictor and EMA target), the optimizer, the learning-rate schedule, the step and the
running sums logged at the next log step, and the precision (fp16's gradient scaler). :func:`save_train_state` writes it as a checkpoint
(with every process's RNG state); :func:`restore_train_state` reads one back. The model's
weights are the checkpoint's SentenceTransformer folder (loaded by :func:`build_train_state`
with ``source=``); everything else is ``trainer_state.pt``.

State format 2 (this one) keeps a loss's target network in the loss's own ``state_dict``;
format 1 (no ``format`` key) kept BYOL's target beside it as ``byol_target`` and is read by
moving it there. A newer format is refused with a line naming the checkpoint.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from cselab.errors import CselabError
from cselab.losses.base import Loss
from cselab.training.checkpoints import (
    load_trainer_state,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from cselab.training.config import TrainConfig
from cselab.training.model_setup import build_loss, build_optimizer, prepare_model
from cselab.training.parallel import Processes
from cselab.training.precision import Precision
from cselab.training.resume import resumed_rng
from cselab.training.schedule import build_schedule, replan

STATE_FORMAT = 2


def fresh_totals() -> dict[str, float]:
    """Running sums: since the last log, the loss (sum, count) and gradient norm (sum, count);
    since step 0, training time, examples and steps skipped for a non-finite loss."""
    return {
        "loss_sum": 0.0,
        "loss_count": 0,
        "grad_norm_sum": 0.0,
        "grad_norm_count": 0,
        "train_seconds": 0.0,
        "sentences": 0,
        "skipped_steps": 0,
    }


@dataclass(frozen=True)
class StepOutcome:
    """One optimizer step as every process saw it: the global loss and parts, the gradient
    norm (before clipping), and what was not finite (``"the loss is nan"``; empty when the
    update was applied)."""

    loss: float
    parts: dict[str, float]
    grad_norm: float
    problem: str = ""

    @property
    def applied(self) -> bool:
        return not self.problem


@dataclass
class TrainState:
    """The run between two steps; ``step`` counts the optimizer steps taken."""

    model: Any  # the SentenceTransformer being trained
    loss: Loss
    optimizer: torch.optim.Optimizer
    scheduler: Any  # torch.optim.lr_scheduler.LambdaLR
    precision: Precision = field(default_factory=lambda: Precision("fp32", "cpu"))
    step: int = 0
    totals: dict[str, float] = field(default_factory=fresh_totals)
    parts: dict[str, float] = field(default_factory=dict)  # loss parts summed since the last log

    def trainable(self) -> list[torch.nn.Parameter]:
        """The encoder's parameters the optimizer updates (the loss's own are in the optimizer too)."""
        return [p for p in self.model.parameters() if p.requires_grad]

    def record(self, outcome: StepOutcome, seconds: float, sentences: int) -> None:
        """Add one step: its global loss, parts and gradient norm when it was applied (a
        skipped step is counted instead), its time and its number of examples."""
        self.totals["train_seconds"] += seconds
        self.totals["sentences"] += sentences
        if not outcome.applied:
            self.totals["skipped_steps"] += 1
            return
        self.totals["loss_sum"] += outcome.loss
        self.totals["loss_count"] += 1
        if math.isfinite(outcome.grad_norm):  # fp16: an overflow step the scaler skipped
            self.totals["grad_norm_sum"] += outcome.grad_norm
            self.totals["grad_norm_count"] += 1
        for name, value in outcome.parts.items():
            self.parts[name] = self.parts.get(name, 0.0) + value

    def start_window(self) -> None:
        """Zero the sums logged at each log step (after they were logged)."""
        self.totals.update(loss_sum=0.0, loss_count=0, grad_norm_sum=0.0, grad_norm_count=0)
        self.parts = {}

    def to_dict(self, rngs: list[dict]) -> dict[str, Any]:
        """``trainer_state.pt``'s content; ``rngs`` holds every rank's RNG state."""
        state: dict[str, Any] = {
            "format": STATE_FORMAT,
            "step": self.step,
            "totals": dict(self.totals),
            "components": dict(self.parts),
            "loss": self.loss.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "optimizer": self.optimizer.state_dict(),  # a finished run may be continued
            "rng": rngs[0],
            "world_size": len(rngs),
        }
        scaler = self.precision.state_dict()
        if scaler is not None:
            state["grad_scaler"] = scaler
        if len(rngs) > 1:
            state["rng_ranks"] = rngs
        return state

    def load_dict(self, state: dict[str, Any]) -> None:
        """Everything but the RNG and the model weights from ``trainer_state.pt``'s content;
        the schedule follows this state's planned length (:func:`replan`)."""
        self.loss.load_state_dict(state["loss"])
        if "optimizer" in state:  # absent from final checkpoints of cselab 0.1.0
            self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        replan(self.scheduler)
        self.precision.load_state_dict(state.get("grad_scaler"))
        self.step = int(state["step"])
        self.totals = {**fresh_totals(), **state["totals"]}  # sums added since: from 0
        self.parts = dict(state["components"])


def build_train_state(
    config: TrainConfig, device: str, total_steps: int, source: str | os.PathLike[str] | None
) -> TrainState:
    """Model (from ``source``, a checkpoint, or ``config.model``), loss (set up for it),
    AdamW over both, linear warm-up then linear decay over ``total_steps``, the precision."""
    model = prepare_model(config, source=None if source is None else str(source), device=device)
    loss = build_loss(config, device=device)
    loss.setup(model)
    trainable = [p for p in model.parameters() if p.requires_grad]
    own = [p for p in loss.parameters() if p.requires_grad]
    optimizer = build_optimizer(trainable + own, config)
    scheduler = build_schedule(optimizer, config.warmup_steps, total_steps)
    return TrainState(model, loss, optimizer, scheduler, Precision(config.precision, device))


def save_train_state(
    state: TrainState, run_dir: Path, procs: Processes, config_yaml: str
) -> Path | None:
    """Write ``state`` as the checkpoint of its step (rank 0 writes and gets its path;
    every rank's RNG in it)."""
    rngs = procs.gather(rng_state())  # every rank's dropout stream
    if not procs.is_main:
        return None
    return save_checkpoint(run_dir, state.step, state.model, state.to_dict(rngs), config_yaml)


def upgraded(content: dict[str, Any], checkpoint: Path) -> dict[str, Any]:
    """A state of an older format in today's layout; a newer format is an error."""
    version = int(content.get("format", 1))
    if version > STATE_FORMAT:
        raise CselabError(
            f"checkpoint {str(checkpoint)!r} has trainer state format {version}; this cselab "
            f"reads formats 1-{STATE_FORMAT}: resume it with the cselab that wrote it"
        )
    if version == 1 and "byol_target" in content:  # the target now lives in the loss
        target = {f"target.{key}": value for key, value in content["byol_target"].items()}
        content = {**content, "loss": {**content["loss"], **target}}
    return content


def restore_train_state(state: TrainState, checkpoint: Path, procs: Processes) -> None:
    """Load ``checkpoint``'s trainer state into ``state`` and this rank's RNG state."""
    content = upgraded(load_trainer_state(checkpoint), checkpoint)
    state.load_dict(content)
    set_rng_state(resumed_rng(content, checkpoint, procs))
