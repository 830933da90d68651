"""BYOL (Grill et al. 2020, NeurIPS): predict the target network's view from the online view.

    ℓ(p, t) = mean_i (2 − 2 cos(p_i, sg(t_i)))

with q the predictor MLP Linear(d, h) → BatchNorm1d → ReLU → Linear(h, d) owned by this
module (trainable: its parameters are in ``loss.parameters()``). The target network ξ is an
exponential moving average of the online encoder θ, also owned by this module (the
``target_network`` hooks of :class:`cselab.losses.base.Loss`):

- :meth:`BYOL.setup` (encoder): builds the predictor for the encoder's embedding size and
  the target, a frozen copy of the encoder;
- :meth:`BYOL.prepare` (the step's tokenized columns): the target embeds the anchor and
  positive columns under ``no_grad``, in train mode (dropout on: with unsupervised data the
  two networks see different dropout views of the same sentence);
- the call, on the online embeddings z_a, z_p: the paper's symmetrised loss
  L = ℓ(q(z_a), z'_p) + ℓ(q(z_p), z'_a), z' the target's embeddings;
- :meth:`BYOL.after_step` (encoder): ξ ← decay·ξ + (1 − decay)·θ (``ema_decay``, 0.996 in
  BYOL), buffers copied.

Without a prepared target (the loss on its own) ``positive`` is the target view and the
value is ℓ(q(anchor), positive), the paper's Eq. 2. ``state_dict`` holds the predictor and
the target, so a checkpoint of a BYOL run resumes exactly.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from cselab.errors import CselabError
from cselab.losses.base import Loss
from cselab.losses.validation import check_views, reject_negative


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


class BYOL(Loss):
    """BYOL loss with its predictor and, after :meth:`setup`, its EMA target network.

    Pass ``dim`` (the embedding size) so the predictor exists at construction and
    ``loss.parameters()`` can go to the optimizer; with ``dim=None`` it is built by
    :meth:`setup` or on the first call (then build the optimizer after that).
    """

    in_batch: ClassVar[bool] = True  # BatchNorm in the predictor needs B ≥ 2
    gatherable: ClassVar[bool] = False  # the predictor's BatchNorm sees one process's rows
    columns: ClassVar[tuple[str, ...]] = ("anchor", "positive")
    optional_columns: ClassVar[tuple[str, ...]] = ()
    target_network: ClassVar[bool] = True

    def __init__(
        self, *, dim: int | None = None, hidden_size: int = 1024, ema_decay: float = 0.996
    ) -> None:
        super().__init__()
        if hidden_size < 1 or (dim is not None and dim < 1):
            raise CselabError(f"dim and hidden_size must be >= 1, got {dim!r}, {hidden_size!r}")
        if not 0.0 <= ema_decay <= 1.0:
            raise CselabError(f"ema_decay must be in [0, 1], got {ema_decay!r}")
        self.dim = dim
        self.hidden_size = hidden_size
        self.ema_decay = float(ema_decay)
        self.predictor = None if dim is None else build_predictor(dim, hidden_size)
        self.target: nn.Module | None = None
        self.target_views: tuple[torch.Tensor, torch.Tensor] | None = None

    def _build_predictor(self, dim: int, like: torch.Tensor) -> None:
        self.dim = dim
        self.predictor = build_predictor(dim, self.hidden_size).to(like.device, like.dtype)

    def setup(self, encoder: nn.Module) -> None:
        """Predictor for the encoder's embedding size; target = a frozen copy of the encoder."""
        if self.predictor is None:
            dim = encoder.get_sentence_embedding_dimension()  # type: ignore[operator]
            self._build_predictor(int(dim), next(encoder.parameters()))
        self.target = copy.deepcopy(encoder)
        self.target.requires_grad_(False)
        self.target.train()

    @torch.no_grad()
    def prepare(self, columns: Sequence[Any]) -> None:
        """The target's embeddings (B, d) of the anchor and positive columns (features)."""
        if self.target is None:
            raise CselabError("BYOL.prepare needs a target network: call setup(encoder) first")
        anchor, positive = (self.target(dict(f))["sentence_embedding"] for f in columns[:2])
        self.set_target_views(anchor, positive)

    def set_target_views(self, anchor: torch.Tensor, positive: torch.Tensor) -> None:
        """Fix the target embeddings z'_a, z'_p (B, d) the next calls compare with."""
        self.target_views = (anchor.detach(), positive.detach())

    def after_step(self, encoder: nn.Module) -> None:
        """The EMA update of the target; the step's target views are spent."""
        if self.target is not None:
            ema_update(encoder, self.target, self.ema_decay)
        self.target_views = None

    def loss_and_parts(self, anchor, positive, negative):
        reject_negative("byol", negative)
        check_views(anchor, positive, min_rows=2)
        if self.predictor is None:
            self._build_predictor(anchor.shape[1], anchor)
        if anchor.shape[1] != self.dim:
            raise CselabError(
                f"anchor has shape {tuple(anchor.shape)} but the BYOL predictor expects dim {self.dim}"
            )
        predictor: Any = self.predictor
        if self.target_views is None:  # positive is the target view
            loss = byol_loss(predictor(anchor), positive)
            return loss, {"target_cosine": 1 - loss / 2}
        target_anchor, target_positive = self.target_views
        check_views(target_anchor, anchor, min_rows=2)
        check_views(target_positive, positive, min_rows=2)
        first = byol_loss(predictor(anchor), target_positive)  # q(z_a) vs z'_p
        second = byol_loss(predictor(positive), target_anchor)  # q(z_p) vs z'_a
        return first + second, {"target_cosine": 1 - (first + second) / 4}
