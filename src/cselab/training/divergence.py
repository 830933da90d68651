"""Diverging training: a non-finite loss, embedding or gradient (issue #18, case 5).

A too-large learning rate (``--lr 10``) or fp16 overflow in the forward pass sends the
weights or activations to inf/NaN; one such update poisons every later step. The step is
checked before its update is applied: the global loss (mean over processes) and the
gradient norm (before clipping) must be finite, and so must the sentence embeddings before
the loss sees them (the losses refuse non-finite inputs). ``nan_policy`` then decides:

- ``stop`` (default): the run stops at that step with one line naming the step and the
  value; nothing of the step is saved, so the last checkpoint is the last good state;
- ``skip``: the update is not applied (no optimizer step, no loss hook; the schedule and
  the data move on to the next batch, as a step of a run without it) and the run goes on;
  skipped steps are counted (``skipped_steps`` in the table, cumulative).

Under fp16 a non-finite *gradient* with a finite loss is the gradient scaler's overflow
signal (the scaler skips that step and halves its scale), not divergence.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import torch

from cselab.errors import CselabError
from cselab.training.parallel import Processes


class Diverged(CselabError):
    """The run met a non-finite loss or gradient under ``nan_policy: stop``."""


class FiniteGuard:
    """The objective, called only on finite embeddings (on every process, or on none).

    When some process's embeddings hold inf/NaN, every process returns a NaN loss that
    still depends on its embeddings with a zero gradient, so backward (and under DDP its
    all-reduce) runs everywhere; the caller sees the NaN loss and skips the update.
    ``finite`` tells whether the objective ran at the last call.
    """

    def __init__(self, objective: Callable[..., torch.Tensor], procs: Processes) -> None:
        self.objective, self.procs = objective, procs
        self.finite = True

    def __call__(self, *views: torch.Tensor | None) -> torch.Tensor:
        given = [v for v in views if v is not None]
        local = bool(torch.stack([torch.isfinite(v).all() for v in given]).all())
        self.finite = self.procs.all_true(local)
        if self.finite:
            return self.objective(*views)
        tied = sum((torch.nan_to_num(v) * 0.0).sum() for v in given)
        return tied + float("nan")  # type: ignore[return-value]


def non_finite(loss: float, grad_norm: float, embeddings_finite: bool, scaled: bool) -> str:
    """What is non-finite in a step, as ``"the loss is nan"``; empty when the update may be
    applied (under fp16, ``scaled``, a non-finite gradient is left to the scaler)."""
    if not embeddings_finite:
        return "the sentence embeddings hold inf or nan"
    if not math.isfinite(loss):
        return f"the loss is {loss}"
    if not math.isfinite(grad_norm) and not scaled:
        return f"the gradient norm is {grad_norm}"
    return ""


def diverged_message(step: int, problem: str, last_checkpoint: Path | None) -> str:
    """One line: where and how the run diverged, what is kept, how to go on."""
    if last_checkpoint is None:
        kept, source = "no checkpoint was written before it", "the model"
    else:
        kept, source = f"the last good checkpoint {str(last_checkpoint)!r} is kept", "it"
    return (
        f"training diverged at step {step}: {problem} ({kept}); to go on, rerun with "
        f"--set nan_policy=skip (skips such steps), or train {source} with a lower --lr "
        "into another --out"
    )
