"""The unified gradient form of Li et al. (2024) and its parts (one anchor per row).

    −∂L/∂h_i = c_i · D_i · Σ_{j≠y_i} W_ij (r_i h'_{y_i} − h'_j),    Σ_j W_ij = 1,

h_i the unit anchor, h'_j the unit candidates (y_i the positive), c_i > 0 a scale, D_i the
gradient dissipation, W_i· the weights over negatives, r_i the ratio. The gradient with
respect to the raw anchor x_i (h_i = x_i/‖x_i‖) is (I − h_i h_iᵀ)(∂L/∂h_i)/‖x_i‖.
The per-loss parts are in :mod:`cselab.gradients.parts`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class GradientParts:
    """Per-anchor parts: dissipation (B,), weights (B, M) (0 on the positive), ratio (B,),
    scale (B,) — the positive factor c_i of the unified form."""

    dissipation: torch.Tensor
    weights: torch.Tensor
    ratio: torch.Tensor
    scale: torch.Tensor


def unified_descent(parts: GradientParts, unit_candidates, labels) -> torch.Tensor:
    """−∂L/∂h_i = c_i D_i Σ_j W_ij (r_i h'_{y_i} − h'_j): (B, d).

    unit_candidates: shared (M, d), or per anchor (B, M, d) (triplet: [p_i, n_i]).
    """
    if unit_candidates.dim() == 3:
        push = torch.einsum("bm,bmd->bd", parts.weights, unit_candidates)  # (B, d)
        positives = unit_candidates[torch.arange(len(labels)), labels]  # (B, d)
    else:
        push = parts.weights @ unit_candidates  # (B, d)
        positives = unit_candidates[labels]  # (B, d)
    pull = (parts.ratio * parts.weights.sum(dim=1))[:, None] * positives
    return (parts.scale * parts.dissipation)[:, None] * (pull - push)


def anchor_gradient(parts: GradientParts, anchor, candidates, labels) -> torch.Tensor:
    """∂L/∂x_i for the raw anchor x (B, d): −(I − h_i h_iᵀ) descent_i / ‖x_i‖."""
    unit = F.normalize(anchor, dim=1)  # (B, d)
    descent = unified_descent(parts, F.normalize(candidates, dim=-1), labels)  # (B, d)
    tangent = descent - (descent * unit).sum(dim=1, keepdim=True) * unit
    return -tangent / anchor.norm(dim=1, keepdim=True)
