"""Gradients of the contrastive objectives in the unified form of Li et al. (2024)."""

from cselab.gradients.grid import gradient_grid
from cselab.gradients.parts import (
    PARTS,
    GradientParts,
    anchor_gradient,
    compute_parts,
    unified_descent,
)
from cselab.gradients.summaries import gradient_summary

__all__ = [
    "PARTS",
    "GradientParts",
    "anchor_gradient",
    "compute_parts",
    "gradient_grid",
    "gradient_summary",
    "unified_descent",
]
