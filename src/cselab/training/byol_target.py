"""BYOL's target network in the trainer (Grill et al. 2020, Section 3.1).

The target ξ is an exponential moving average of the online encoder θ, updated after every
optimizer step: ξ ← decay·ξ + (1 − decay)·θ (``ema_decay``, 0.996 in BYOL). It embeds the
views under ``torch.no_grad`` (in train mode: dropout on, so for unsupervised data the two
networks see different dropout views of the same sentence). The loss is the paper's
symmetrised one,

    L = ℓ(q(z_a), sg(z'_p)) + ℓ(q(z_p), sg(z'_a)),   ℓ(p, t) = mean_i (2 − 2 cos(p_i, t_i)),

z = online embeddings, z' = target embeddings, q the predictor owned by
:class:`cselab.losses.byol.BYOL` (its parameters are trained with the encoder's).
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from cselab.losses.base import LossOutput
from cselab.losses.byol import ema_update
from cselab.training.step import embed_examples


class EmaTarget:
    """The EMA copy of a SentenceTransformer; ``state_dict`` goes into every checkpoint."""

    def __init__(self, online: nn.Module, decay: float) -> None:
        self.decay = decay
        self.model = copy.deepcopy(online)
        self.model.requires_grad_(False)
        self.model.train()

    @torch.no_grad()
    def embed(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        """Target embeddings (anchor, positive), each (B, d), without a graph."""
        anchor, positive, _ = embed_examples(self.model, batch)
        return anchor, positive

    def update(self, online: nn.Module) -> None:
        ema_update(online, self.model, self.decay)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self.model.load_state_dict(state)


def symmetric_byol(loss_fn: nn.Module, target_anchor: torch.Tensor, target_positive: torch.Tensor):
    """The step's objective ``(anchor, positive) -> LossOutput``, target views fixed (B, d)."""

    def objective(anchor: torch.Tensor, positive: torch.Tensor, negative=None) -> LossOutput:
        first = loss_fn(anchor, target_positive, negative)  # q(z_a) vs z'_p
        second = loss_fn(positive, target_anchor, negative)  # q(z_p) vs z'_a
        components = {
            name: (value + second.components[name]) / 2 for name, value in first.components.items()
        }
        return LossOutput(first.loss + second.loss, components)

    return objective
