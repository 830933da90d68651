"""The three knobs Li et al. (2024) add to non-contrastive objectives (their Sec. 5).

- ``w_gd`` (gradient dissipation): an anchor keeps its gradient only while it is still close
  to another sample of its own view, 1 − max_{j≠i} u_i·u_j < m (computed without gradient,
  m = 0.30); otherwise it is detached.
- ``w_w`` (weight): exponential weights exp(s_ij/τ) over the off-diagonal pairs (τ = 0.05).
- ``w_r`` (ratio): the alignment term is multiplied by r.
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F

from cselab.losses.base import TwoViewLoss
from cselab.losses.validation import (
    check_non_negative_number,
    check_positive_number,
    check_views,
    reject_negative,
)


class Knobs:
    """Hyper-parameters of the modified objectives, validated once."""

    def __init__(self, *, w_gd, w_w, w_r, margin, temperature, ratio, lam) -> None:
        self.w_gd, self.w_w, self.w_r = bool(w_gd), bool(w_w), bool(w_r)
        self.margin = check_non_negative_number("margin", margin)
        self.temperature = check_positive_number("temperature", temperature)
        self.ratio = check_non_negative_number("ratio", ratio)
        self.lam = check_non_negative_number("lam", lam)


class KnobbedLoss(TwoViewLoss):
    """Base of the in-batch losses with knobs: holds the :class:`Knobs`, prepares the views."""

    name: ClassVar[str] = ""

    def __init__(self, *, w_gd, w_w, w_r, margin, temperature, ratio, lam) -> None:
        super().__init__()
        self.knobs = Knobs(
            w_gd=w_gd,
            w_w=w_w,
            w_r=w_r,
            margin=margin,
            temperature=temperature,
            ratio=ratio,
            lam=lam,
        )

    def _unit_views(self, anchor, positive, negative) -> tuple[torch.Tensor, torch.Tensor]:
        """Checked, normalised views (N, d), passed through the dissipation gate with ``w_gd``."""
        reject_negative(self.name, negative)
        check_views(anchor, positive, min_rows=2)
        u, v = F.normalize(anchor, dim=1), F.normalize(positive, dim=1)
        if self.knobs.w_gd:
            u, v = (
                dissipation_gate(u, self.knobs.margin)[0],
                dissipation_gate(v, self.knobs.margin)[0],
            )
        return u, v


def dissipation_gate(units: torch.Tensor, margin: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(gated units (N, d), kept mask (N,)): rows with 1 − max_{j≠i} u_i·u_j ≥ m are detached."""
    with torch.no_grad():
        sims = units @ units.T  # (N, N)
        sims.fill_diagonal_(-torch.inf)
        kept = 1.0 - sims.amax(dim=1) < margin  # (N,)
    gated = torch.where(kept[:, None], units, units.detach())
    return gated, kept


def off_diagonal(n: int, device=None) -> torch.Tensor:
    """Boolean (n, n) mask, True off the diagonal."""
    return ~torch.eye(n, dtype=torch.bool, device=device)
