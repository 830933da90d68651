"""Gradients of the contrastive objectives in the unified form of Li et al. (2024).

Every function takes a loss by name (with its hyper-parameters as keywords) or as a module
of ``cselab.losses.LOSSES``.
"""

from cselab.gradients.grid import gradient_grid
from cselab.gradients.grid_request import GridRequest, run_request
from cselab.gradients.li2024 import Li2024Settings, li2024_grid
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
    "GridRequest",
    "Li2024Settings",
    "anchor_gradient",
    "compute_parts",
    "gradient_grid",
    "gradient_summary",
    "li2024_grid",
    "run_request",
    "unified_descent",
]
