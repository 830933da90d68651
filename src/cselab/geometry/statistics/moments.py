"""Counts and sums of one view: n, Σ‖x‖, Σû and Σû² per layer (totals in float64).

Read by anisotropy (exact: (‖Σû‖² − n)/(n(n−1)), the sum identity), the mean L2 norm
(Σ‖x‖/n) and the dimension contributions ((Σûᵢ)² − Σûᵢ²)/(n(n−1)). Sums merge by adding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from cselab.geometry.batch import ViewBatch
from cselab.geometry.statistics.base import add_or_take, cpu


@dataclass(frozen=True)
class LayerMoments:
    n: int
    norm_sum: float
    unit_sum: torch.Tensor | None  # (d,)
    unit_squares: torch.Tensor | None  # (d,)


class Moments:
    """n, Σ‖x‖ (L,), Σû (L, d) and Σû² (L, d) of every row added."""

    reads = ("units",)  # batch sums

    def __init__(self) -> None:
        self.n = 0
        self.norm_sum: torch.Tensor | None = None
        self.unit_sum: torch.Tensor | None = None
        self.unit_squares: torch.Tensor | None = None

    def update(self, batch: ViewBatch) -> None:
        if not len(batch):
            return
        sums = batch.sums(self.reads)  # each batch's sums in the model's precision
        assert sums.unit_sum is not None and sums.unit_squares is not None
        norm_sum = batch.norms().sum(1).double()  # (L,)
        self._add(len(batch), norm_sum, sums.unit_sum.double(), sums.unit_squares.double())

    def _add(self, n: int, norm_sum, unit_sum, unit_squares) -> None:
        self.n += n
        self.norm_sum = add_or_take(self.norm_sum, norm_sum)
        self.unit_sum = add_or_take(self.unit_sum, unit_sum)
        self.unit_squares = add_or_take(self.unit_squares, unit_squares)

    def merge(self, other: Moments) -> None:
        if other.n:
            self._add(other.n, other.norm_sum, other.unit_sum, other.unit_squares)

    def state_dict(self) -> dict[str, Any]:
        return cpu({"n": self.n, "norm_sum": self.norm_sum, "unit_sum": self.unit_sum,
                    "unit_squares": self.unit_squares})  # fmt: skip

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.n = int(state["n"])
        self.norm_sum, self.unit_sum = state["norm_sum"], state["unit_sum"]
        self.unit_squares = state["unit_squares"]

    def at(self, layer: int) -> LayerMoments:
        if not self.n:
            return LayerMoments(0, 0.0, None, None)
        assert self.norm_sum is not None and self.unit_sum is not None
        assert self.unit_squares is not None
        return LayerMoments(
            self.n, float(self.norm_sum[layer]), self.unit_sum[layer], self.unit_squares[layer]
        )
