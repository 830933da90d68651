"""Σ over sentences of the intra-sentence similarity, and the number of sentences, per layer.

For a sentence with token vectors x_1..x_m and mean x̄ = (1/m) Σ x_t (Ethayarajh 2019; Xiao
et al. 2023), intra(s) = (1/m) Σ_t cos(x_t, x̄) = (Σ_t x̂_t) · x̄/‖x̄‖ / m. A sentence never
spans two batches, so each batch adds its sentences' values; parts merge by adding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from cselab.geometry.batch import ViewBatch, unit_rows
from cselab.geometry.statistics.base import add_or_take, cpu


def sentence_intra(
    raw_sum: torch.Tensor, unit_sum: torch.Tensor, counts: torch.Tensor, who: str
) -> torch.Tensor:
    """(..., s) float64 intra-sentence similarity of each sentence from its sums Σx and Σû
    (..., s, d) over its counts (s,) tokens."""
    mean_dir = unit_rows(raw_sum.double(), f"{who} (sentence mean vector)")  # x̄/‖x̄‖
    return (unit_sum.double() * mean_dir).sum(-1) / counts  # (..., s)


@dataclass(frozen=True)
class LayerIntra:
    total: float  # Σ_s intra(s)
    sentences: int


class IntraSums:
    """Σ_s intra(s) (L,) and the number of sentences."""

    reads = ("sentences",)  # batch sums

    def __init__(self) -> None:
        self.total: torch.Tensor | None = None
        self.sentences = 0

    def update(self, batch: ViewBatch) -> None:
        if not len(batch):
            return
        _, counts = batch.runs()
        sums = batch.sums(self.reads)  # per-sentence Σx and Σû in the model's precision
        assert sums.sentence_sums is not None and sums.sentence_unit_sums is not None
        values = sentence_intra(sums.sentence_sums, sums.sentence_unit_sums, counts, batch.label)
        self.total = add_or_take(self.total, values.sum(1))  # (L,)
        self.sentences += len(counts)

    def merge(self, other: IntraSums) -> None:
        self.total = add_or_take(self.total, other.total)
        self.sentences += other.sentences

    def state_dict(self) -> dict[str, Any]:
        return cpu({"total": self.total, "sentences": self.sentences})

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.total, self.sentences = state["total"], int(state["sentences"])

    def at(self, layer: int) -> LayerIntra:
        total = 0.0 if self.total is None else float(self.total[layer])
        return LayerIntra(total, self.sentences)
