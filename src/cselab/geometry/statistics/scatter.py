"""Running count, mean and centred scatter matrix per layer (float64, O(L·d²) memory).

Parts merge with the pairwise update of Chan, Golub & LeVeque (1979): for parts A, B with
counts n_a, n_b, means μ_a, μ_b and centred scatters M_a, M_b,

    M = M_a + M_b + (μ_b − μ_a)(μ_b − μ_a)ᵀ · n_a n_b / (n_a + n_b),

which avoids the cancellation of Σxxᵀ − nμμᵀ when the mean is large (rogue dimensions),
and is exact whichever way the corpus is cut (batches, processes, a resumed run). A
batch's own scatters are one batched product over the L layers, in the precision the
model produced (float32 BLAS for float32 hidden states, float64 for float64 input),
summed into float64. Read by IsoScore and the spectrum (eigenvalues computed once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from cselab.geometry.batch import ViewBatch
from cselab.geometry.statistics.base import cpu
from cselab.geometry.threads import one_thread


def centred_scatter(x: torch.Tensor) -> torch.Tensor:
    """(d, d) Σ_t (x_t − μ)(x_t − μ)ᵀ of x (n, d)."""
    centred = x - x.mean(0)  # (n, d)
    return centred.T @ centred


def scatter_eigenvalues(
    scatter: torch.Tensor, n: int, precision: torch.dtype | None = None
) -> torch.Tensor:
    """(d,) eigenvalues of a centred scatter of n points, descending, float64. A centred
    scatter has rank ≤ n − 1, and its eigenvalues below λ_max · d · ε (ε of ``precision``,
    the precision its products were computed in; default the scatter's dtype) are
    round-off: both are set to 0, so that a null direction (n < d points, or the direction
    a LayerNorm removes) does not get round-off values, whose square roots would inflate
    the effective rank and make it depend on how the points were batched."""
    with one_thread():
        values = torch.linalg.eigvalsh(scatter.to(torch.float64)).flip(-1).clamp_min(0.0)
    floor = float(values[0]) * len(values) * torch.finfo(precision or scatter.dtype).eps
    values[max(n - 1, 0) :] = 0.0
    return values.masked_fill_(values <= floor, 0.0)


@dataclass(frozen=True)
class LayerScatter:
    n: int
    mean: torch.Tensor | None  # (d,)
    scatter: torch.Tensor | None  # (d, d)
    eigenvalues: torch.Tensor | None  # (d,) descending, round-off zeroed


class Scatter:
    """n, mean (L, d) and centred scatter (L, d, d) of every row added."""

    def __init__(self) -> None:
        self.n = 0
        self.mean: torch.Tensor | None = None
        self.scatter: torch.Tensor | None = None
        self._eigenvalues: dict[int, torch.Tensor] = {}
        self.precision = torch.float64  # of the products (float32 once any batch was)

    def update(self, batch: ViewBatch) -> None:
        if not len(batch):
            return
        x = batch.work()  # (L, n, d)
        mean = x.sum(1).double() / x.shape[1]  # (L, d)
        centred = x - mean.to(x.dtype)[:, None]  # (L, n, d) in the model's precision
        if x.dtype == torch.float32:
            self.precision = torch.float32
        scatter = torch.bmm(centred.transpose(1, 2), centred).to(torch.float64)  # (L, d, d)
        self._add(len(batch), mean, scatter)

    def _add(self, nb: int, mean_b: torch.Tensor, scatter_b: torch.Tensor) -> None:
        self._eigenvalues = {}
        if self.mean is None or self.scatter is None:  # own copies: updated in place below
            self.n, self.mean, self.scatter = nb, mean_b.clone(), scatter_b.clone()
            return
        mean_b, scatter_b = mean_b.to(self.mean.device), scatter_b.to(self.scatter.device)
        delta = mean_b - self.mean  # (L, d)
        total = self.n + nb
        self.scatter.add_(scatter_b).baddbmm_(
            delta[:, :, None], delta[:, None, :], alpha=self.n * nb / total
        )  # (L, d, d)
        self.mean.add_(delta, alpha=nb / total)
        self.n = total

    def merge(self, other: Scatter) -> None:
        if other.n:
            assert other.mean is not None and other.scatter is not None
            self._add(other.n, other.mean, other.scatter)
            if other.precision == torch.float32:
                self.precision = torch.float32

    def state_dict(self) -> dict[str, Any]:
        single = self.precision == torch.float32
        return cpu({"n": self.n, "mean": self.mean, "scatter": self.scatter,
                    "precision": "float32" if single else "float64"})  # fmt: skip

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.n, self.mean, self.scatter = int(state["n"]), state["mean"], state["scatter"]
        self.precision = torch.float32 if state["precision"] == "float32" else torch.float64
        self._eigenvalues = {}

    def at(self, layer: int) -> LayerScatter:
        if not self.n:
            return LayerScatter(0, None, None, None)
        assert self.mean is not None and self.scatter is not None
        if layer not in self._eigenvalues:
            self._eigenvalues[layer] = scatter_eigenvalues(
                self.scatter[layer], self.n, self.precision
            )
        return LayerScatter(self.n, self.mean[layer], self.scatter[layer], self._eigenvalues[layer])
