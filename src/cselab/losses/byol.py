"""BYOL (Grill et al. 2020, NeurIPS): predict the target view from the online view.

    L = mean_i (2 − 2 cos(q(z_i), sg(z'_i)))

z = the online encoder's embedding (``anchor``), z' = the target view embedded by an EMA
copy of the encoder under no_grad (``positive``; detached here in any case), q the
predictor MLP Linear(d, h) → BatchNorm1d → ReLU → Linear(h, d) owned by this module
(trainable: add ``loss.parameters()`` to the optimizer). The paper symmetrises by swapping
the views; a trainer does that by calling the loss twice. The EMA target is updated with
:func:`ema_update` after each step: ξ ← decay·ξ + (1 − decay)·θ (decay 0.996 in BYOL).
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from cselab.errors import CselabError
from cselab.losses.base import LossOutput
from cselab.losses.validation import check_views, detached, reject_negative


def byol_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """mean (2 − 2 cos(p_i, sg(t_i))): (B, d), (B, d) -> scalar."""
    return (2 - 2 * F.cosine_similarity(prediction, target.detach(), dim=1)).mean()


@torch.no_grad()
def ema_update(online: nn.Module, target: nn.Module, decay: float) -> None:
    """target_p ← decay·target_p + (1 − decay)·online_p for every parameter; buffers copied."""
    if not 0.0 <= decay <= 1.0:
        raise CselabError(f"decay must be in [0, 1], got {decay!r}")
    online_params = dict(online.named_parameters())
    for name, param in target.named_parameters():
        if name not in online_params or online_params[name].shape != param.shape:
            raise CselabError(f"target parameter {name!r} has no matching online parameter")
        param.mul_(decay).add_(online_params[name].detach(), alpha=1.0 - decay)
    online_buffers = dict(online.named_buffers())
    for name, buffer in target.named_buffers():
        if name in online_buffers:
            buffer.copy_(online_buffers[name])


def build_predictor(dim: int, hidden_size: int) -> nn.Sequential:
    """q: Linear(d, h) → BatchNorm1d(h) → ReLU → Linear(h, d) (BYOL's predictor shape)."""
    return nn.Sequential(
        nn.Linear(dim, hidden_size),
        nn.BatchNorm1d(hidden_size),
        nn.ReLU(),
        nn.Linear(hidden_size, dim),
    )


class BYOL(nn.Module):
    """BYOL loss with its predictor.

    Pass ``dim`` (the embedding size) so the predictor exists at construction and
    ``loss.parameters()`` can go to the optimizer; with ``dim=None`` it is built on the first
    call, so build the optimizer after one dry forward.
    """

    in_batch: ClassVar[bool] = True  # BatchNorm in the predictor needs B ≥ 2
    needs_hard_negative: ClassVar[bool] = False

    def __init__(self, *, dim: int | None = None, hidden_size: int = 1024) -> None:
        super().__init__()
        if hidden_size < 1 or (dim is not None and dim < 1):
            raise CselabError(f"dim and hidden_size must be >= 1, got {dim!r}, {hidden_size!r}")
        self.dim = dim
        self.hidden_size = hidden_size
        self.predictor = None if dim is None else build_predictor(dim, hidden_size)

    def forward(
        self, anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor | None = None
    ) -> LossOutput:
        reject_negative("byol", negative)
        check_views(anchor, positive, min_rows=2)
        if self.predictor is None:
            self.dim = anchor.shape[1]
            self.predictor = build_predictor(self.dim, self.hidden_size).to(
                anchor.device, anchor.dtype
            )
        if anchor.shape[1] != self.dim:
            raise CselabError(
                f"anchor has shape {tuple(anchor.shape)} but the BYOL predictor expects dim {self.dim}"
            )
        prediction = self.predictor(anchor)  # (B, d)
        loss = byol_loss(prediction, positive)
        return LossOutput(loss, detached(target_cosine=1 - loss / 2))
