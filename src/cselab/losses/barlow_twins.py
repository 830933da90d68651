"""Barlow Twins (Zbontar et al. 2021, ICML), the authors' reference formula.

Each view is standardised per dimension over the batch, as by ``BatchNorm1d(affine=False)``
in training mode: ẑ = (z − mean_b z) / sqrt(var_b z + ε) (biased variance, ε = 1e-5). With
the cross-correlation C = ẑ_Aᵀ ẑ_B / N (d × d):

    L = Σ_k (1 − C_kk)²  +  λ Σ_k Σ_{l≠k} C_kl²,     λ = 0.0051 (reference code).

Components: ``invariance`` (the on-diagonal term) and ``redundancy`` (the off-diagonal sum,
before λ). Standardisation makes the loss invariant to per-dimension affine maps
z_k ↦ a_k z_k + b_k with a_k > 0 (up to ε). Li et al.'s modified form is ``barlow_twins_mod``.
"""

from __future__ import annotations

import torch

from cselab.losses.base import TwoViewLoss
from cselab.losses.validation import (
    check_non_negative_number,
    check_positive_number,
    check_views,
    reject_negative,
)


def standardise(z: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """(z − mean) / sqrt(biased var + ε) per dimension over the batch: (N, d) -> (N, d)."""
    mean = z.mean(dim=0, keepdim=True)
    var = z.var(dim=0, unbiased=False, keepdim=True)
    return (z - mean) / torch.sqrt(var + eps)


def barlow_twins_terms(
    z_a: torch.Tensor, z_b: torch.Tensor, eps: float = 1e-5
) -> tuple[torch.Tensor, torch.Tensor]:
    """(Σ_k (1 − C_kk)², Σ_{k≠l} C_kl²) for the cross-correlation C (d, d)."""
    c = standardise(z_a, eps).T @ standardise(z_b, eps) / z_a.shape[0]  # (d, d)
    on_diagonal = (1 - torch.diagonal(c)).pow(2).sum()
    off_diagonal = c.pow(2).sum() - torch.diagonal(c).pow(2).sum()
    return on_diagonal, off_diagonal


def barlow_twins_loss(z_a, z_b, *, redundancy_weight: float = 0.0051, eps: float = 1e-5):
    """Barlow Twins loss of two (N ≥ 2, d) views -> scalar."""
    check_views(z_a, z_b, min_rows=2)
    on_diagonal, off_diagonal = barlow_twins_terms(z_a, z_b, eps)
    return on_diagonal + redundancy_weight * off_diagonal


class BarlowTwins(TwoViewLoss):
    """Barlow Twins on the (B, d) embeddings of two views (no hard negatives; B ≥ 2)."""

    def __init__(self, *, redundancy_weight: float = 0.0051, eps: float = 1e-5) -> None:
        super().__init__()
        self.redundancy_weight = check_non_negative_number("redundancy_weight", redundancy_weight)
        self.eps = check_positive_number("eps", eps)

    def loss_and_parts(self, anchor, positive, negative):
        reject_negative("barlow_twins", negative)
        check_views(anchor, positive, min_rows=2)
        on_diagonal, off_diagonal = barlow_twins_terms(anchor, positive, self.eps)
        loss = on_diagonal + self.redundancy_weight * off_diagonal
        return loss, {"invariance": on_diagonal, "redundancy": off_diagonal}
