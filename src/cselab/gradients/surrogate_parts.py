"""Gradient parts of the sg surrogate (:mod:`cselab.losses.surrogate`, Li et al. 2024).

Paper form (default): D_i = its mask, W its detached weights, r its ``ratio``, c = 1/(2B)
(the loss averages its two directions; each anchor gets the first one).

``authors_compat=True`` (the authors' code): direction 0 is the mean over the n₀·M entries
of its masked rows and the attached positive term of direction 1 (positive → anchors, mask
D'_i, n₁ masked rows, B candidates) pulls anchor i as well, so

    −∂L/∂h_i = D_i/(n₀M) Σ_j W_ij (r h'_i − h'_j) + D'_i r h'_i/(n₁B)
             = c D_i Σ_j W_ij (r_i h'_i − h'_j),   c = 1/(n₀M),  r_i = r (1 + D'_i n₀M/(n₁B)),

exact for every anchor with D_i = 1. An anchor with D_i = 0 but D'_i = 1 still gets the
pull D'_i r h'_i/(n₁B), which the form (D_i = 0) cannot express. The other direction's mask
needs the batch's own square cosines: scores (B, M ≥ B) whose first B columns are the
positives, labels = arange(B).
"""

from __future__ import annotations

import torch

from cselab.errors import CselabError
from cselab.gradients.unified import GradientParts
from cselab.losses.surrogate import check_compat_power, surrogate_mask, surrogate_weights


def _other_direction_mask(scores: torch.Tensor, labels: torch.Tensor, margin: float):
    """D' (B,): the mask of the positive → anchors direction, from the square block."""
    batch = scores.shape[0]
    expected = torch.arange(batch, device=labels.device)
    if scores.shape[1] < batch or not torch.equal(labels, expected):
        raise CselabError(
            "authors_compat parts need the batch's own cosines: scores (B, M >= B) with the "
            f"positives first and labels = arange(B); got scores {tuple(scores.shape)}"
        )
    return surrogate_mask(scores[:, :batch].T, expected, margin)


def sg_surrogate_parts(
    scores,
    labels,
    *,
    margin: float = 0.30,
    ratio: float = 1.0,
    temperature: float = 0.05,
    power: float | None = None,
    authors_compat: bool = False,
):
    """sg surrogate: D = its mask, W = its weights, r = ``ratio``, c = 1/(2B); with
    ``authors_compat`` the effective r_i and c of the module doc."""
    weights = surrogate_weights(scores, labels, temperature=temperature, power=power)
    mask = surrogate_mask(scores, labels, margin)
    dissipation = mask.to(scores.dtype)
    ones = torch.ones_like(dissipation)
    if not authors_compat:
        return GradientParts(dissipation, weights, ones * ratio, ones / (2 * scores.shape[0]))
    check_compat_power(power)
    batch, candidates = scores.shape
    other = _other_direction_mask(scores, labels, margin).to(scores.dtype)
    n0, n1 = float(mask.sum()), float(other.sum())
    boost = other * (n0 * candidates) / (n1 * batch) if n1 > 0 else torch.zeros_like(other)
    scale = ones / (n0 * candidates) if n0 > 0 else torch.zeros_like(ones)
    return GradientParts(dissipation, weights, ratio * (1.0 + boost), scale)
