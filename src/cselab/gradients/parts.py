"""The unified gradient of contrastive objectives and its three parts (Li et al. 2024).

Which gradient: let x_i be the raw anchor embedding, h_i = x_i/‖x_i‖, and h'_j the unit
candidates (in-batch positives, plus hard negatives), s_ij = h_i·h'_j, y_i the positive.
Every loss here is L = (1/B) Σ_i ℓ_i(s_i·) with the candidates held fixed. We write the
Euclidean gradient with respect to the unit anchor h_i (s_ij viewed as h_i·h'_j) as

    −∂L/∂h_i = c_i · D_i · Σ_{j≠y_i} W_ij (r_i h'_{y_i} − h'_j),    Σ_j W_ij = 1,

with c_i a positive scale (1/(Bτ) or 1/B times a distance derivative), D_i the gradient
dissipation, W_i· the weights over negatives and r_i the ratio. The gradient with respect
to the raw x_i follows by the chain rule through the normalisation:
∂L/∂x_i = (I − h_i h_iᵀ)(∂L/∂h_i)/‖x_i‖ (see :func:`anchor_gradient`).

Derivations (p = softmax of the logits, q = softmax over negatives only):
- InfoNCE, ℓ_i = −s_ii/τ + log Σ_k e^{s_ik/τ}: −∂ℓ_i/∂h_i = (1/τ)[(1 − p_ii) h'_i −
  Σ_{j≠i} p_ij h'_j], and p_ij = (1 − p_ii) q_ij, so D = 1 − p_ii = σ(LSE_{j≠i}(s_ij/τ) −
  s_ii/τ), W = q, r = 1, c = 1/(Bτ).
- ArcCon: the positive logit is cos(θ_ii + u)/τ, whose derivative in s_ii is
  sin(θ_ii + u)/sin θ_ii /τ; so D as InfoNCE with cos(θ_ii + u) for s_ii, W = q,
  r = sin(θ_ii + u)/sin θ_ii (0 where the arccos clamp is active), c = 1/(Bτ).
- MPT, ℓ_i = relu(max_j s_ij − s_ii + m): D = 1[s_ii − max_j s_ij < m], W uniform on the
  tied hardest negatives, r = 1, c = 1/B.
- MET, d = sqrt(max(2 − 2s, 1e-4)), ∂d/∂s = −1/d: −∂ℓ_i/∂h_i = D (h'_i/d_ii − h'_j*/d_ij*),
  so r = d_ij*/d_ii and c = 1/(B d_ij*) (a clamped distance has zero derivative: r = 0 for
  a clamped positive; a clamped nearest negative, cosine > 0.99995, is outside the form).
- MAT, θ = arccos s, ∂θ/∂s = −1/sin θ: r = sin θ_ij*/sin θ_ii, c = 1/(B sin θ_ij*).
- Triplet on unit vectors: see :func:`triplet_parts` (candidates per anchor: [p_i, n_i]).
- Symmetric InfoNCE, ½[InfoNCE(anchor → candidates) + InfoNCE(positive → anchors)]: each
  direction's rows get the InfoNCE parts of that direction's cosines with c = 1/(2Bτ)
  (the anchors' gradient from the first, the positives' from the second; in each, the
  other view is a candidate and held fixed).
- sg surrogate: :mod:`cselab.gradients.surrogate_parts` (paper form and ``authors_compat``).

A loss is given by name or as a module of ``cselab.losses.LOSSES``
(:mod:`cselab.gradients.loss_spec` reads its hyper-parameters).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import torch

from cselab.errors import CselabError
from cselab.gradients.loss_spec import LossLike, resolve_loss
from cselab.gradients.surrogate_parts import sg_surrogate_parts
from cselab.gradients.unified import GradientParts, anchor_gradient, unified_descent
from cselab.losses.margin import MET_MIN_SQUARED_DISTANCE, met_distances
from cselab.losses.scores import (
    COSINE_CLAMP,
    fill_positive,
    negative_mask,
    positive_scores,
    safe_arccos,
)
from cselab.losses.validation import check_non_negative_number, check_positive_number

__all__ = [
    "PARTS",
    "GradientParts",
    "anchor_gradient",
    "compute_parts",
    "unified_descent",
]


def _softmax_over_negatives(scores, labels, temperature) -> tuple[torch.Tensor, torch.Tensor]:
    """(q (B, M) with 0 on the positive, LSE_{j≠y_i} s_ij/τ (B,))."""
    logits = fill_positive(scores / temperature, labels, -math.inf)  # (B, M)
    return torch.softmax(logits, dim=1), torch.logsumexp(logits, dim=1)


def _tied_extreme(values: torch.Tensor, labels: torch.Tensor, largest: bool) -> torch.Tensor:
    """Uniform weights (B, M) on the negatives attaining the max (or min) of ``values``."""
    fill = -math.inf if largest else math.inf
    masked = fill_positive(values, labels, fill)
    extreme = masked.amax(dim=1, keepdim=True) if largest else masked.amin(dim=1, keepdim=True)
    ties = (masked == extreme) & negative_mask(values, labels)
    ties = ties.to(values.dtype)
    return ties / ties.sum(dim=1, keepdim=True)


def info_nce_parts(scores, labels, *, temperature: float = 0.05, similarity: str = "cosine"):
    """InfoNCE: D = 1 − p_ii, W = softmax_{j≠i}(s_ij/τ), r = 1, c = 1/(Bτ)."""
    tau = check_positive_number("temperature", temperature)
    _require_cosine(similarity)
    weights, lse_neg = _softmax_over_negatives(scores, labels, tau)
    dissipation = torch.sigmoid(lse_neg - positive_scores(scores, labels) / tau)
    ones = torch.ones_like(dissipation)
    return GradientParts(dissipation, weights, ones, ones / (scores.shape[0] * tau))


def symmetric_info_nce_parts(
    scores, labels, *, temperature: float = 0.05, similarity: str = "cosine"
):
    """One direction of symmetric InfoNCE (scores of that direction's rows): the InfoNCE
    parts with c = 1/(2Bτ), the loss being the mean of its two directions."""
    parts = info_nce_parts(scores, labels, temperature=temperature, similarity=similarity)
    parts.scale = parts.scale / 2
    return parts


def arccon_parts(scores, labels, *, temperature: float = 0.05, margin_degrees: float = 10.0):
    """ArcCon: D with cos(θ_ii + u), W = softmax_{j≠i}(s_ij/τ), r = sin(θ+u)/sin θ."""
    tau = check_positive_number("temperature", temperature)
    u = math.radians(check_non_negative_number("margin_degrees", margin_degrees))
    weights, lse_neg = _softmax_over_negatives(scores, labels, tau)
    s_pos = positive_scores(scores, labels)  # (B,)
    theta = safe_arccos(s_pos)
    dissipation = torch.sigmoid(lse_neg - torch.cos(theta + u) / tau)
    unclamped = (s_pos.abs() <= 1.0 - COSINE_CLAMP).to(scores.dtype)
    ratio = torch.sin(theta + u) / torch.sin(theta) * unclamped
    scale = torch.full_like(ratio, 1.0 / (scores.shape[0] * tau))
    return GradientParts(dissipation, weights, ratio, scale)


def mpt_parts(scores, labels, *, margin: float = 0.23, similarity: str = "cosine"):
    """MPT: D = 1[s_ii − max_j s_ij < m], W on the hardest negative(s), r = 1, c = 1/B."""
    margin = check_non_negative_number("margin", margin)
    _require_cosine(similarity)
    weights = _tied_extreme(scores, labels, largest=True)
    hardest = fill_positive(scores, labels, -math.inf).amax(dim=1)
    dissipation = (hardest - positive_scores(scores, labels) + margin > 0).to(scores.dtype)
    ones = torch.ones_like(dissipation)
    return GradientParts(dissipation, weights, ones, ones / scores.shape[0])


def met_parts(scores, labels, *, margin: float = 0.45):
    """MET: D = 1[min_j d_ij − d_ii < m], W on the nearest negative(s), r = d_ij*/d_ii."""
    margin = check_non_negative_number("margin", margin)
    distances = met_distances(scores)  # (B, M)
    live = (2.0 - 2.0 * scores >= MET_MIN_SQUARED_DISTANCE).to(scores.dtype)  # d' ≠ 0
    return _distance_margin_parts(distances, live, labels, margin)


def mat_parts(scores, labels, *, margin: float = 0.15 * math.pi):
    """MAT: D = 1[min_j θ_ij − θ_ii < m], W on the nearest negative(s), r = sin θ_ij*/sin θ_ii."""
    margin = check_non_negative_number("margin", margin)
    angles = safe_arccos(scores)  # (B, M)
    live = (scores.abs() <= 1.0 - COSINE_CLAMP).to(scores.dtype)
    # ∂θ/∂s = −1/sin θ; pass sin θ as the "distance" whose inverse is the derivative
    return _distance_margin_parts(angles, live, labels, margin, slope_denominator=angles.sin())


def _distance_margin_parts(distances, live, labels, margin, slope_denominator=None):
    """Shared MET/MAT parts; the derivative of the distance in s is −live/slope_denominator."""
    denominator = distances if slope_denominator is None else slope_denominator
    slope = live / denominator  # (B, M): −∂dist/∂s
    weights = _tied_extreme(distances, labels, largest=False)
    nearest = fill_positive(distances, labels, math.inf).amin(dim=1)  # (B,)
    d_pos = positive_scores(distances, labels)
    dissipation = (d_pos - nearest + margin > 0).to(distances.dtype)
    push = (weights * slope).sum(dim=1)  # (B,) tied negatives share one slope
    pull = positive_scores(slope, labels)
    ratio = torch.where(push > 0, pull / push.clamp(min=1e-300), torch.zeros_like(pull))
    return GradientParts(dissipation, weights, ratio, push / distances.shape[0])


def triplet_parts(
    scores, labels, *, margin: float = 0.2, distance: str = "squared_euclidean", normalize=True
):
    """Triplet on unit vectors; scores (B, 2) = [s_ap, s_an] per anchor (labels 0).

    squared_euclidean: ‖h−p‖² − ‖h−n‖² = 2 s_an − 2 s_ap, so D = 1[2(s_an − s_ap) + α > 0],
    c = 2/B, r = 1; cosine: D = 1[s_an − s_ap + α > 0], c = 1/B, r = 1; euclidean:
    d = sqrt(2 − 2s), r = d_an/d_ap, c = 1/(B d_an). W puts all weight on the negative.
    """
    margin = check_non_negative_number("margin", margin)
    if scores.shape[1] != 2 or bool((labels != 0).any()):
        raise CselabError(
            f"triplet parts need scores (B, 2) = [s_ap, s_an], got {tuple(scores.shape)}"
        )
    if distance != "cosine" and not normalize:
        raise CselabError(
            "triplet has a unified form only on unit vectors: normalize=True or cosine"
        )
    s_ap, s_an = scores[:, 0], scores[:, 1]
    weights = torch.zeros_like(scores)
    weights[:, 1] = 1.0
    ones = torch.ones_like(s_ap)
    if distance in ("squared_euclidean", "cosine"):
        factor = 2.0 if distance == "squared_euclidean" else 1.0
        dissipation = (factor * (s_an - s_ap) + margin > 0).to(scores.dtype)
        return GradientParts(dissipation, weights, ones, ones * factor / scores.shape[0])
    if distance != "euclidean":
        raise CselabError(
            f"distance must be one of squared_euclidean, euclidean, cosine, got {distance!r}"
        )
    d_ap, d_an = (2 - 2 * s_ap).clamp(min=0).sqrt(), (2 - 2 * s_an).clamp(min=0).sqrt()
    dissipation = (d_ap - d_an + margin > 0).to(scores.dtype)
    ratio = torch.where(d_ap > 0, d_an / d_ap.clamp(min=1e-300), torch.zeros_like(d_ap))
    return GradientParts(dissipation, weights, ratio, 1.0 / (scores.shape[0] * d_an))


PARTS: dict[str, Callable[..., GradientParts]] = {
    "info_nce": info_nce_parts,
    "symmetric_info_nce": symmetric_info_nce_parts,
    "arccon": arccon_parts,
    "mpt": mpt_parts,
    "met": met_parts,
    "mat": mat_parts,
    "sg_surrogate": sg_surrogate_parts,
    "triplet": triplet_parts,
}


def _require_cosine(similarity: str) -> None:
    if similarity != "cosine":
        raise CselabError(
            f"the unified gradient is defined for cosine similarity, got similarity={similarity!r}"
        )


def compute_parts(loss: LossLike, scores: torch.Tensor, labels: torch.Tensor, **params):
    """Parts of a loss (a ``PARTS`` name with its ``params``, or a ``LOSSES`` module) for a
    cosine matrix (B, M) and labels (B,)."""
    name, params = resolve_loss(loss, params, PARTS)
    accepted = [p.name for p in inspect.signature(PARTS[name]).parameters.values()
                if p.kind is inspect.Parameter.KEYWORD_ONLY]  # fmt: skip
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise CselabError(
            f"{name!r} gradient parts take no parameter(s) {unknown}; its parameters: {accepted}"
        )
    return PARTS[name](scores, labels, **params)
