"""The grids and sizes ``cselab gradients`` uses when none is given, per protocol.

Grids are ``'start:stop:num'`` texts: angles in units of π under ``li2024`` (the authors'
own grids, and a small default for quick runs), cosines under ``cosine``. Kept apart from
the computations (torch) so that the command's help can show them at once.
"""

from __future__ import annotations

#: The paper's six losses (Li et al. 2024, Figs 2-4).
LI2024_LOSSES = ("info_nce", "arccon", "mpt", "met", "mat", "sg_surrogate")
#: The authors' grids and a small default for quick runs (angles / π).
PAPER_POS_GRID, PAPER_NEG_GRID = "0.05:0.5:100", "0.05:1:100"
DEFAULT_POS_GRID, DEFAULT_NEG_GRID = "0.1:0.5:5", "0.1:1:10"
#: The cosine grid: cosines of the positive and the negatives, anchors per cell, spread.
COSINE_POS_GRID, COSINE_NEG_GRID, COSINE_ROWS, COSINE_NEG_STD = "0.3:1.0:8", "-0.2:0.8:11", 64, 0.1
