"""Gradients of the contrastive objectives in the unified form of Li et al. (2024).

Every function takes a loss by name (with its hyper-parameters as keywords) or as a module
of ``cselab.losses.LOSSES``. The names below are imported on first use
(:func:`cselab.lazy.lazy_attributes`), so that light modules of the package (the grid
defaults the command line's help shows) load without torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cselab.lazy import lazy_attributes

if TYPE_CHECKING:
    from cselab.gradients.grid import gradient_grid as gradient_grid
    from cselab.gradients.grid_request import (
        GridRequest as GridRequest,
        run_request as run_request,
    )
    from cselab.gradients.li2024 import (
        Li2024Settings as Li2024Settings,
        li2024_grid as li2024_grid,
    )
    from cselab.gradients.parts import (
        PARTS as PARTS,
        GradientParts as GradientParts,
        anchor_gradient as anchor_gradient,
        compute_parts as compute_parts,
        unified_descent as unified_descent,
    )
    from cselab.gradients.summaries import gradient_summary as gradient_summary

LAZY = {
    "PARTS": "cselab.gradients.parts",
    "GradientParts": "cselab.gradients.parts",
    "GridRequest": "cselab.gradients.grid_request",
    "Li2024Settings": "cselab.gradients.li2024",
    "anchor_gradient": "cselab.gradients.parts",
    "compute_parts": "cselab.gradients.parts",
    "gradient_grid": "cselab.gradients.grid",
    "gradient_summary": "cselab.gradients.summaries",
    "li2024_grid": "cselab.gradients.li2024",
    "run_request": "cselab.gradients.grid_request",
    "unified_descent": "cselab.gradients.parts",
}
__getattr__, __dir__ = lazy_attributes(globals(), LAZY)
__all__ = list(LAZY)
