"""Informativity of the dominant dimensions (Xiao et al. 2023, appendix C, Table 3).

On a sample of token vectors, compare the cosine matrix before and after removing the
top-k dimensions from every vector: r² of the Pearson correlation between the
off-diagonal lower triangles of the two matrices. r² ≈ 1 means the removed dimensions
carried little of the relative similarity structure.

Ranking (our choice, the paper does not fix it): dimensions sorted by their contribution
cosᵢ = E_{u≠v}[ûᵢv̂ᵢ] on the same sample (off-diagonal pairs, as in
:mod:`cselab.geometry.dimensions`), descending. Removing a set R of dimensions from unit
vectors leaves dot products ⟨û,v̂⟩ − Σ_{i∈R} ûᵢv̂ᵢ and squared norms 1 − Σ_{i∈R} ûᵢ², so
all k are computed with rank-Δk updates of one Gram matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from cselab.errors import CselabError
from cselab.geometry.base import TokenBatch
from cselab.geometry.dimensions import dimension_contributions
from cselab.geometry.sampling import BottomKSample, token_sample_keys
from cselab.geometry.validation import (
    as_token_batch,
    checked_embeddings,
    require_tokens,
    unit_rows,
)

NAME = "informativity"
DEFAULT_KS = (1, 2, 3, 5, 10, 20, 50, 100, 300, 700)


def _pearson_r2(a: torch.Tensor, b: torch.Tensor) -> float:
    r = torch.corrcoef(torch.stack([a, b]))[0, 1]
    return float(r * r)


def informativity(x: torch.Tensor, ks: Sequence[int] = DEFAULT_KS) -> dict[str, float]:
    """``{"informativity_r2_k{k}": r²}`` for every k < d, on all rows of x (n, d)."""
    if any(int(k) != k or k < 0 for k in ks):
        raise CselabError(f"{NAME}: ks={tuple(ks)} must be integers >= 0")
    x = checked_embeddings(as_token_batch(x), NAME)
    require_tokens(len(x), NAME, needed=3)
    units = unit_rows(x, NAME)  # (n, d)
    n, d = units.shape
    order = torch.argsort(dimension_contributions(units), descending=True)  # (d,)
    lower = torch.tril_indices(n, n, offset=-1, device=units.device)  # (2, n(n-1)/2)
    gram = units @ units.T  # (n, n)
    before = gram[lower[0], lower[1]]
    out: dict[str, float] = {}
    removed = 0
    for k in sorted({int(k) for k in ks if k < d}):
        part = units[:, order[removed:k]]  # (n, k - removed)
        gram = gram - part @ part.T
        removed = k
        sq = gram.diagonal()  # (n,) remaining squared norms
        if bool((sq <= 1e-12).any()):
            raise CselabError(
                f"{NAME}: removing the top {k} dimensions leaves a zero vector "
                f"(sample of shape {(n, d)})"
            )
        cos = gram / torch.sqrt(sq[:, None] * sq[None, :])  # (n, n)
        out[f"informativity_r2_k{k}"] = _pearson_r2(before, cos[lower[0], lower[1]])
    return out


class Informativity:
    """Informativity on a seeded reservoir sample of ``n_samples`` tokens of one layer."""

    def __init__(
        self, n_samples: int = 1000, ks: Sequence[int] = DEFAULT_KS, seed: int = 0
    ) -> None:
        if n_samples < 3:
            raise CselabError(f"{NAME}: n_samples={n_samples} must be >= 3")
        self.n_samples, self.ks, self.seed = n_samples, tuple(ks), seed
        self.reset()

    def reset(self) -> None:
        self.sample = BottomKSample(self.n_samples)

    def update(self, batch: TokenBatch) -> None:
        dim = None if self.sample.rows is None else self.sample.rows.shape[1]
        x = checked_embeddings(batch, NAME, dim)  # (n, d)
        if len(x):
            self.sample.add(token_sample_keys(batch.sentence_ids, self.seed, NAME), x)

    def compute(self) -> dict[str, float]:
        require_tokens(len(self.sample), NAME, needed=3)
        assert self.sample.rows is not None
        return informativity(self.sample.rows, self.ks)
