"""Running mean and centred scatter matrix of a stream of vectors (float64, O(d²) memory).

Batches are merged with the pairwise update of Chan, Golub & LeVeque (1979): for parts
A, B with counts n_a, n_b, means μ_a, μ_b and centred scatters M_a, M_b,

    M = M_a + M_b + (μ_b − μ_a)(μ_b − μ_a)ᵀ · n_a n_b / (n_a + n_b),

which avoids the cancellation of Σxxᵀ − nμμᵀ when the mean is large (rogue dimensions).

A batch's own mean and scatter are computed once (:func:`batch_scatter`) and shared by
every metric of the layer; the product of centred rows runs in the precision the model
produced (float32 BLAS for float32 hidden states, float64 for float64 input) and is summed
into float64. One :class:`RunningCovariance` may be shared by several metrics
(IsoScore and Spectrum): it adds each batch once and computes its eigenvalues once.
"""

from __future__ import annotations

import torch

from cselab.geometry.base import OncePerBatch, TokenBatch
from cselab.geometry.validation import checked_embeddings


def centred_scatter(x: torch.Tensor) -> torch.Tensor:
    """(d, d) Σ_t (x_t − μ)(x_t − μ)ᵀ of x (n, d)."""
    centred = x - x.mean(0)  # (n, d)
    return centred.T @ centred


def scatter_eigenvalues(scatter: torch.Tensor, n: int) -> torch.Tensor:
    """(d,) eigenvalues of a centred scatter of n points, descending, float64. A centred
    scatter has rank ≤ n − 1, and its eigenvalues below λ_max · d · ε (ε of the precision it
    was summed in) are round-off: both are set to 0, so that n < d points do not get a
    spectrum of round-off values (which would inflate the effective rank, and make it
    depend on how the points were batched)."""
    values = torch.linalg.eigvalsh(scatter.to(torch.float64)).flip(0).clamp_min(0.0)  # (d,)
    floor = float(values[0]) * len(values) * torch.finfo(scatter.dtype).eps
    values[max(n - 1, 0) :] = 0.0
    return values.masked_fill_(values <= floor, 0.0)


def batch_scatter(batch: TokenBatch, metric: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean (d,), centred scatter (d, d)) float64 of a batch, computed once per batch."""

    def make() -> tuple[torch.Tensor, torch.Tensor]:
        x = checked_embeddings(batch, metric)  # (n, d) float64
        mean = x.mean(0)  # (d,)
        source = batch.embeddings.detach()
        single = source.dtype == torch.float32 and source.device == x.device
        centred = source - mean.float() if single else x - mean  # (n, d)
        return mean, (centred.T @ centred).to(torch.float64)

    return batch.cached("scatter", make)


class RunningCovariance:
    """Count, mean (d,) and centred scatter (d, d) of all rows added so far.

    ``shared=True``: several metrics of one layer call :meth:`add_batch` with the same
    batch object; it is merged once.
    """

    def __init__(self, shared: bool = False) -> None:
        self.once = OncePerBatch(shared)  # several metrics add the same batches: keep each once
        self.reset()

    def reset(self) -> None:
        """Forget every row added so far."""
        self.n = 0
        self.mean: torch.Tensor | None = None  # (d,)
        self.scatter: torch.Tensor | None = None  # (d, d)
        self._eigenvalues: torch.Tensor | None = None  # (d,) cache, reset by merge
        self.once.forget()

    @property
    def dim(self) -> int | None:
        return None if self.mean is None else len(self.mean)

    def add(self, x: torch.Tensor) -> None:
        """Merge rows x (n, d) float64."""
        if len(x):
            self.merge(len(x), x.mean(0), centred_scatter(x))

    def add_batch(self, batch: TokenBatch, metric: str) -> None:
        """Merge a batch's (checked) rows; if ``shared``, a batch just added is skipped."""
        if self.once.repeated(batch):
            return
        n = len(checked_embeddings(batch, metric, self.dim))
        if n:
            self.merge(n, *batch_scatter(batch, metric))

    def merge(self, nb: int, mean_b: torch.Tensor, scatter_b: torch.Tensor) -> None:
        """Merge a part with count nb, mean (d,) and centred scatter (d, d)."""
        self._eigenvalues = None
        if self.mean is None or self.scatter is None:  # own copies: updated in place below
            self.n, self.mean, self.scatter = nb, mean_b.clone(), scatter_b.clone()
            return
        delta = mean_b - self.mean  # (d,)
        total = self.n + nb
        self.scatter.add_(scatter_b).addr_(delta, delta, alpha=self.n * nb / total)  # (d, d)
        self.mean.add_(delta, alpha=nb / total)
        self.n = total

    def eigenvalues(self) -> torch.Tensor:
        """(d,) eigenvalues of the centred scatter, descending, round-off zeroed (see
        :func:`scatter_eigenvalues`; computed once)."""
        assert self.scatter is not None
        if self._eigenvalues is None:
            self._eigenvalues = scatter_eigenvalues(self.scatter, self.n)
        return self._eigenvalues
