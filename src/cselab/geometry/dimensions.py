"""Dimension contributions to cosine similarity ("rogue dimensions").

Timkey & van Schijndel (2021); Xiao et al. (2023, eq. 6 and Table 1). A cosine is a sum
over dimensions, cos(u, v) = Σᵢ uᵢvᵢ/(‖u‖‖v‖), so dimension i contributes

    cosᵢ = E_{u≠v}[ ûᵢ v̂ᵢ ] = ((Σ_t û_{t,i})² − Σ_t û_{t,i}²) / (n(n−1))

over all ordered token pairs (per-dimension sums and sums of squares of unit vectors;
Σᵢ cosᵢ is the exact anisotropy). ``include_diagonal=True`` averages over all n² pairs
instead (cosᵢ = (Σ_t û_{t,i})²/n², always ≥ 0), the convention of the paper's code for
self-similarity. Shares are cosᵢ / Σⱼ cosⱼ; :func:`share_summary` reports the share of the
top 1/2/3 dimensions and how many top dimensions reach 10/20/50 %.
"""

from __future__ import annotations

import warnings

import torch

from cselab.geometry.base import TokenBatch
from cselab.geometry.validation import (
    as_token_batch,
    checked_embeddings,
    checked_units,
    require_tokens,
    unit_rows,
    unit_sums,
)

NAME = "dimensions"
TOP_K = (1, 2, 3)
PERCENTS = (10, 20, 50)


def share_summary(contributions: torch.Tensor, prefix: str = "") -> dict[str, float]:
    """Top-k shares and dims needed for p % of Σ contributions (d,), sorted descending.

    ``{prefix}top{k}_share`` = sum of the k largest shares; ``{prefix}dims_for_{p}pct`` =
    smallest m whose top-m shares sum to ≥ p %. If Σ contributions ≤ 0 (an isotropic or
    anti-aligned space), shares are undefined: NaN with a warning.
    """
    total = float(contributions.sum())
    keys = [f"{prefix}top{k}_share" for k in TOP_K] + [f"{prefix}dims_for_{p}pct" for p in PERCENTS]
    if not total > 0:
        warnings.warn(
            f"{prefix or NAME}: contributions sum to {total:.3g} <= 0; shares undefined (NaN)",
            stacklevel=2,
        )
        return dict.fromkeys(keys, float("nan"))
    shares = torch.sort(contributions / total, descending=True).values  # (d,)
    cumulative = torch.cumsum(shares, 0)  # (d,)
    d = len(shares)
    out = {f"{prefix}top{k}_share": float(cumulative[min(k, d) - 1]) for k in TOP_K}
    for p in PERCENTS:
        reached = (cumulative >= p / 100 - 1e-12).nonzero()
        out[f"{prefix}dims_for_{p}pct"] = float(reached[0, 0] + 1) if len(reached) else float(d)
    return out


def dimension_contributions(x: torch.Tensor, include_diagonal: bool = False) -> torch.Tensor:
    """(d,) contributions cosᵢ of each dimension to the mean pairwise cosine of x (n, d)."""
    x = checked_embeddings(as_token_batch(x), NAME)
    require_tokens(len(x), NAME, needed=1 if include_diagonal else 2)
    units = unit_rows(x, NAME)
    return _contributions(units.sum(0), (units**2).sum(0), len(units), include_diagonal)


def _contributions(
    total: torch.Tensor, squares: torch.Tensor, n: int, include_diagonal: bool
) -> torch.Tensor:
    if include_diagonal:
        return total**2 / n**2  # (d,)
    return (total**2 - squares) / (n * (n - 1))  # (d,)


class DimensionContributions:
    """Streaming per-dimension contributions over all token pairs of one layer."""

    def __init__(self, include_diagonal: bool = False) -> None:
        self.include_diagonal = include_diagonal
        self.reset()

    def reset(self) -> None:
        self.n = 0
        self.total: torch.Tensor | None = None  # (d,) Σ û
        self.squares: torch.Tensor | None = None  # (d,) Σ û²

    def update(self, batch: TokenBatch) -> None:
        dim = None if self.total is None else len(self.total)
        units = checked_units(batch, NAME, dim)  # (n, d)
        if len(units) == 0:
            return
        total, squares = unit_sums(batch, NAME)  # (d,), (d,)
        if self.total is None or self.squares is None:
            self.total, self.squares = total, squares
        else:
            self.total, self.squares = self.total + total, self.squares + squares
        self.n += len(units)

    def contributions(self) -> torch.Tensor:
        """(d,) float64 cosᵢ."""
        require_tokens(self.n, NAME, needed=1 if self.include_diagonal else 2)
        assert self.total is not None and self.squares is not None
        return _contributions(self.total, self.squares, self.n, self.include_diagonal)

    def compute(self) -> dict[str, float]:
        return share_summary(self.contributions())
