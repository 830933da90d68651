"""Alignment and uniformity (Wang & Isola 2020, "Understanding Contrastive Representation
Learning through Alignment and Uniformity on the Hypersphere", ICML), on unit embeddings:

    L_align   = E_i ‖f(x_i) − f(y_i)‖₂^α                       (α = 2)
    L_uniform = log E_{i<j} exp(−t ‖f(x_i) − f(x_j)‖₂²)       (t = 2)
    L = λ_a · L_align + λ_u · (L_uniform(f(x)) + L_uniform(f(y))) / 2

(the weighting of the authors' reference training loop). Embeddings are L2-normalised first.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from cselab.losses.base import TwoViewLoss
from cselab.losses.validation import (
    check_embeddings,
    check_non_negative_number,
    check_positive_number,
    check_views,
    reject_negative,
)


def alignment(x: torch.Tensor, y: torch.Tensor, alpha: float = 2.0) -> torch.Tensor:
    """mean ‖x̂_i − ŷ_i‖^α over pairs; x, y (B, d) -> scalar."""
    check_positive_number("alpha", alpha)
    return (F.normalize(x, dim=1) - F.normalize(y, dim=1)).norm(dim=1).pow(alpha).mean()


def uniformity(x: torch.Tensor, t: float = 2.0) -> torch.Tensor:
    """log mean_{i<j} exp(−t ‖x̂_i − x̂_j‖²); x (B ≥ 2, d) -> scalar."""
    check_embeddings("embeddings", x, min_rows=2)
    check_positive_number("t", t)
    squared = torch.pdist(F.normalize(x, dim=1), p=2).pow(2)  # (B(B−1)/2,)
    return torch.logsumexp(-t * squared, dim=0) - math.log(squared.numel())


class AlignUniform(TwoViewLoss):
    """λ_a·alignment + λ_u·mean uniformity of the two views (no hard negatives)."""

    def __init__(
        self,
        *,
        alignment_weight: float = 1.0,
        uniformity_weight: float = 1.0,
        alpha: float = 2.0,
        t: float = 2.0,
    ) -> None:
        super().__init__()
        self.alignment_weight = check_non_negative_number("alignment_weight", alignment_weight)
        self.uniformity_weight = check_non_negative_number("uniformity_weight", uniformity_weight)
        self.alpha = check_positive_number("alpha", alpha)
        self.t = check_positive_number("t", t)

    def loss_and_parts(self, anchor, positive, negative):
        reject_negative("align_uniform", negative)
        check_views(anchor, positive, min_rows=2)
        align = alignment(anchor, positive, self.alpha)
        uniform = 0.5 * (uniformity(anchor, self.t) + uniformity(positive, self.t))
        loss = self.alignment_weight * align + self.uniformity_weight * uniform
        return loss, {"alignment": align, "uniformity": uniform}
