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
from collections.abc import Mapping
from typing import Any

import torch

from cselab.geometry.protocols import Protocol
from cselab.geometry.spec import MetricSpec, Output
from cselab.geometry.validation import checked_vectors, require_tokens, unit_rows

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
    x = checked_vectors(x, NAME)
    require_tokens(len(x), NAME, needed=1 if include_diagonal else 2)
    units = unit_rows(x, NAME)
    return _contributions(units.sum(0), (units**2).sum(0), len(units), include_diagonal)


def _contributions(
    total: torch.Tensor, squares: torch.Tensor, n: int, include_diagonal: bool
) -> torch.Tensor:
    if include_diagonal:
        return total**2 / n**2  # (d,)
    return (total**2 - squares) / (n * (n - 1))  # (d,)


def contributions_of(moments) -> torch.Tensor:
    """(d,) float64 cosᵢ over all token pairs u≠v, from a layer's ``moments`` statistic."""
    require_tokens(moments.n, NAME, needed=2)
    return _contributions(moments.unit_sum, moments.unit_squares, moments.n, False)


def compute(stats: Mapping[str, Any], protocol: Protocol) -> dict[str, float]:
    return share_summary(contributions_of(stats["moments"]))


SPEC = MetricSpec(
    name=NAME,
    statistics=("moments",),
    compute=compute,
    summary="per-dimension contributions to the mean cosine (rogue dimensions)",
    outputs=tuple(
        Output(pattern, label, "rogue dimensions", "Xiao et al. 2023, Table 1", table_row=True)
        for pattern, label in (
            ("top{k}_share", "share of the mean cosine in the top {k} dimensions"),
            ("dims_for_{k}pct", "dimensions for {k} % of the mean cosine"),
        )
    ),
)
