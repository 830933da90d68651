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
from cselab.geometry.base import TokenBatch
from cselab.geometry.sampling import BottomKSample, offer_batch, working_dtype
from cselab.geometry.validation import (
    as_token_batch,
    checked_embeddings,
    require_tokens,
    unit_rows,
)

NAME = "uniformity"


def uniformity(x: torch.Tensor, t: float = 2.0, precision: torch.dtype = torch.float64) -> float:
    """log mean over pairs i<j of exp(−t‖x̂_i − x̂_j‖²), x (n, d); the (n, n) distances and
    their log-sum-exp in ``precision`` (float32 for a float32 model's vectors)."""
    x = checked_embeddings(as_token_batch(x), NAME)
    require_tokens(len(x), NAME, needed=2)
    units = unit_rows(x, NAME).to(precision)  # (n, d)
    n = len(units)
    # the mean over i<j equals the mean over ordered pairs i≠j (symmetry): no index gather
    sq_dist = (units @ units.T).mul_(-2).add_(2).clamp_min_(0)  # (n, n) ‖x̂i − x̂j‖²
    logits = sq_dist.mul_(-t).fill_diagonal_(-math.inf)  # (n, n), pairs i≠j only
    return float(torch.logsumexp(logits.flatten(), 0)) - math.log(n * (n - 1))


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


class Uniformity:
    """Streaming uniformity on a seeded reservoir sample of ``n_samples`` vectors."""

    def __init__(self, n_samples: int = 2000, t: float = 2.0, seed: int = 0) -> None:
        if n_samples < 2:
            raise CselabError(f"{NAME}: n_samples={n_samples} must be >= 2")
        self.n_samples, self.t, self.seed = n_samples, t, seed
        self.sample = BottomKSample(n_samples)  # may be replaced by a shared, larger one
        self.reset()

    def reset(self) -> None:
        self.sample.clear()

    def update(self, batch: TokenBatch) -> None:
        offer_batch(self.sample, batch, self.seed, NAME)

    def compute(self) -> dict[str, float]:
        require_tokens(len(self.sample), NAME, needed=2)
        rows = self.sample.head(self.n_samples)
        return {"uniformity": uniformity(rows, self.t, working_dtype(self.sample.source_dtype))}
