"""Running mean and centred scatter matrix of a stream of vectors (float64, O(d²) memory).

Batches are merged with the pairwise update of Chan, Golub & LeVeque (1979): for parts
A, B with counts n_a, n_b, means μ_a, μ_b and centred scatters M_a, M_b,

    M = M_a + M_b + (μ_b − μ_a)(μ_b − μ_a)ᵀ · n_a n_b / (n_a + n_b),

which avoids the cancellation of Σxxᵀ − nμμᵀ when the mean is large (rogue dimensions).
"""

from __future__ import annotations

import torch


def centred_scatter(x: torch.Tensor) -> torch.Tensor:
    """(d, d) Σ_t (x_t − μ)(x_t − μ)ᵀ of x (n, d)."""
    centred = x - x.mean(0)  # (n, d)
    return centred.T @ centred


class RunningCovariance:
    """Count, mean (d,) and centred scatter (d, d) of all rows added so far."""

    def __init__(self) -> None:
        self.n = 0
        self.mean: torch.Tensor | None = None  # (d,)
        self.scatter: torch.Tensor | None = None  # (d, d)

    @property
    def dim(self) -> int | None:
        return None if self.mean is None else len(self.mean)

    def add(self, x: torch.Tensor) -> None:
        """Merge rows x (n, d) float64."""
        nb = len(x)
        if nb == 0:
            return
        mean_b, scatter_b = x.mean(0), centred_scatter(x)  # (d,), (d, d)
        if self.mean is None or self.scatter is None:
            self.n, self.mean, self.scatter = nb, mean_b, scatter_b
            return
        delta = mean_b - self.mean  # (d,)
        total = self.n + nb
        self.scatter = self.scatter + scatter_b + torch.outer(delta, delta) * (self.n * nb / total)
        self.mean = self.mean + delta * (nb / total)
        self.n = total

    def eigenvalues(self) -> torch.Tensor:
        """(d,) eigenvalues of the centred scatter, descending, clamped at 0."""
        assert self.scatter is not None
        return torch.linalg.eigvalsh(self.scatter).flip(0).clamp_min(0.0)
