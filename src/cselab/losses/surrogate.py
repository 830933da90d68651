"""The "sg" empirical surrogate of Li et al. (2024): the three gradient parts as knobs.

One direction, anchors h_i against detached unit candidates h'_j (positive y_i):

    L_dir = (1/B) Σ_i D_i Σ_{j≠y_i} W_ij (s_ij − r · s_{i,y_i}),

D_i = 1[s_{i,y_i} − max_{j≠y_i} s_ij < m] (gradient dissipation, computed without
gradient), W_i· = softmax_{j≠y_i}(s_ij/τ) detached (or, with ``power=p``, max(s_ij, 1e-4)^p
normalised over the negatives; p = 0 gives uniform weights), r the ratio. The loss is the
mean of both directions, each with the other view detached, so −∂L/∂h_i is exactly
(1/(2B)) D_i Σ_j W_ij (r h'_{y_i} − h'_j). Defaults m = 0.30, r = 1, τ = 0.05.
The authors' code averages over the masked entries instead of over all B anchors (a
batch-dependent scale) and leaves the positive term undetached; we keep the exact form.
"""

from __future__ import annotations

import math

import torch

from cselab.losses.candidates import CandidateLoss
from cselab.losses.scores import fill_positive, negative_mask, positive_scores
from cselab.losses.validation import (
    check_candidates,
    check_non_negative_number,
    check_positive_number,
)
from cselab.similarity import cosine


def surrogate_mask(scores: torch.Tensor, labels: torch.Tensor, margin: float) -> torch.Tensor:
    """D (B,) bool: s_{i,y_i} − max_{j≠y_i} s_ij < m, without gradient."""
    scores = scores.detach()
    hardest = fill_positive(scores, labels, -math.inf).amax(dim=1)
    return positive_scores(scores, labels) - hardest < margin


def surrogate_weights(
    scores: torch.Tensor, labels: torch.Tensor, *, temperature: float, power: float | None
) -> torch.Tensor:
    """W (B, M), detached, 0 on the positive, rows summing to 1."""
    scores = scores.detach()
    if power is None:
        tau = check_positive_number("temperature", temperature)
        return torch.softmax(fill_positive(scores / tau, labels, -math.inf), dim=1)
    power = check_non_negative_number("power", power)
    raw = scores.clamp(min=1e-4).pow(power) * negative_mask(scores, labels)
    return raw / raw.sum(dim=1, keepdim=True)


def sg_surrogate_loss(
    anchor: torch.Tensor,
    candidates: torch.Tensor,
    labels: torch.Tensor,
    *,
    margin: float = 0.30,
    ratio: float = 1.0,
    temperature: float = 0.05,
    power: float | None = None,
) -> torch.Tensor:
    """One direction of the surrogate; candidates (M, d) are detached here. -> scalar."""
    check_candidates(anchor, candidates, labels)
    margin = check_non_negative_number("margin", margin)
    ratio = check_non_negative_number("ratio", ratio)
    scores = cosine(anchor, candidates.detach())  # (B, M)
    weights = surrogate_weights(scores, labels, temperature=temperature, power=power)
    mask = surrogate_mask(scores, labels, margin).to(scores.dtype)  # (B,)
    target = scores - ratio * positive_scores(scores, labels)[:, None]  # (B, M)
    return (mask * (weights * target).sum(dim=1)).mean()


class SGSurrogate(CandidateLoss):
    """The sg surrogate in both directions (anchor→candidates, positive→anchors)."""

    anchors_are_candidates = True
    min_rows_with_negative = 2

    def __init__(
        self,
        *,
        margin: float = 0.30,
        ratio: float = 1.0,
        temperature: float = 0.05,
        power: float | None = None,
    ) -> None:
        super().__init__()
        self.margin = check_non_negative_number("margin", margin)
        self.ratio = check_non_negative_number("ratio", ratio)
        self.temperature = check_positive_number("temperature", temperature)
        self.power = None if power is None else check_non_negative_number("power", power)

    def _direction(self, anchor, candidates, labels) -> torch.Tensor:
        return sg_surrogate_loss(
            anchor,
            candidates,
            labels,
            margin=self.margin,
            ratio=self.ratio,
            temperature=self.temperature,
            power=self.power,
        )

    def from_candidates(self, anchor, positive, candidates, labels, all_anchors):
        forward = self._direction(anchor, candidates, labels)
        backward = self._direction(positive, all_anchors, labels)
        with torch.no_grad():
            scores = cosine(anchor, candidates)
            active = surrogate_mask(scores, labels, self.margin).to(scores.dtype).mean()
        return 0.5 * (forward + backward), {"active_share": active}
