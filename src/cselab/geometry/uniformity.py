"""Alignment and uniformity of Wang & Isola (2020), on L2-normalised vectors x̂:

    uniformity(x; t) = log mean_{i<j} exp(−t ‖x̂_i − x̂_j‖²)       (lower = more uniform)
    alignment(x, y; α) = mean_i ‖x̂_i − ŷ_i‖^α                     (pairs (x_i, y_i))

The streaming version keeps a seeded reservoir sample of ``n_samples`` vectors (exact when
the layer has no more vectors than that); the log-mean-exp is computed with logsumexp.
"""

from __future__ import annotations

import math

import torch

from cselab.errors import CselabError
from cselab.geometry.sampling import SampledMetric
from cselab.geometry.validation import (
    as_token_batch,
    checked_embeddings,
    require_tokens,
    unit_rows,
)

NAME = "uniformity"


def _log_sum_exp_pairs(units: torch.Tensor, t: float, block: int = 512) -> float:
    """log Σ_{i≠j} exp(2t(⟨x̂_i, x̂_j⟩ − 1)) over ordered pairs of unit rows (n, d), by row
    blocks against the rows from the block on (the Gram matrix is symmetric: each pair
    i < j in different blocks is computed once and counted twice)."""
    n = len(units)
    parts = []  # log-sum-exp of each block's share of the ordered pairs
    for start in range(0, n, block):
        stop = min(start + block, n)
        logits = (units[start:stop] @ units[start:].T).sub_(1).mul_(2 * t)  # (b, n − start)
        within = logits[:, : stop - start].fill_diagonal_(-math.inf)  # pairs in the block
        parts.append(torch.logsumexp(within.flatten(), 0).double())
        if stop < n:
            later = torch.logsumexp(logits[:, stop - start :].flatten(), 0).double()
            parts.append(later + math.log(2))
    return float(torch.logsumexp(torch.stack(parts), 0))


def uniformity(x: torch.Tensor, t: float = 2.0, precision: torch.dtype = torch.float64) -> float:
    """log mean over pairs i<j of exp(−t‖x̂_i − x̂_j‖²), x (n, d); for unit vectors
    ‖x̂_i − x̂_j‖² = 2 − 2⟨x̂_i, x̂_j⟩, and the mean over i<j equals the mean over ordered
    pairs i≠j. The products and log-sum-exps run in ``precision`` (float32 for a float32
    model's vectors)."""
    x = checked_embeddings(as_token_batch(x), NAME)
    require_tokens(len(x), NAME, needed=2)
    units = unit_rows(x, NAME).to(precision)  # (n, d)
    n = len(units)
    return _log_sum_exp_pairs(units, t) - math.log(n * (n - 1))


def alignment(x: torch.Tensor, y: torch.Tensor, alpha: float = 2.0) -> float:
    """mean_i ‖x̂_i − ŷ_i‖^α over paired rows of x (n, d) and y (n, d)."""
    if x.shape != y.shape:
        raise CselabError(
            f"alignment: x of shape {tuple(x.shape)} and y of shape {tuple(y.shape)} differ"
        )
    xs = unit_rows(checked_embeddings(as_token_batch(x), "alignment (x)"), "alignment (x)")
    ys = unit_rows(checked_embeddings(as_token_batch(y), "alignment (y)"), "alignment (y)")
    require_tokens(len(xs), "alignment", what="pairs")
    return float((xs - ys).norm(dim=1).pow(alpha).mean())


class Uniformity(SampledMetric):
    """Streaming uniformity on a seeded reservoir sample of ``n_samples`` vectors."""

    name = NAME

    def __init__(self, n_samples: int = 2000, t: float = 2.0, seed: int = 0) -> None:
        super().__init__(n_samples, seed)
        self.t = t

    def compute(self) -> dict[str, float]:
        rows, precision = self.sample_rows()
        return {"uniformity": uniformity(rows, self.t, precision)}
