"""Intra-sentence similarity: how similar the tokens of one sentence are to each other.

Ethayarajh (2019); Xiao et al. (2023, section 2 and their code). For a sentence with token
vectors x_1..x_m and mean vector x̄ = (1/m) Σ x_t (mean of the raw vectors),

    intra(s) = (1/m) Σ_t cos(x_t, x̄) = (Σ_t x̂_t) · x̄ / (m ‖x̄‖),

and the layer's value is the mean of intra(s) over sentences. A sentence's tokens are
contiguous in a batch and never split across batches, so per-batch sums suffice.
"""

from __future__ import annotations

import torch

from cselab.geometry.base import TokenBatch
from cselab.geometry.validation import (
    SplitSentenceGuard,
    as_token_batch,
    batch_sentence_runs,
    checked_embeddings,
    checked_units,
    require_tokens,
    segment_sums,
    sentence_runs,
    unit_rows,
)

NAME = "intra_sentence"


def per_sentence_intra_similarity(
    x: torch.Tensor,
    sentence_ids: torch.Tensor,
    units: torch.Tensor | None = None,
    runs: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> torch.Tensor:
    """(s,) intra-sentence similarity of each contiguous sentence of x (n, d) float64.

    ``units`` (x's unit rows) and ``runs`` (:func:`sentence_runs`) may be passed precomputed.
    """
    inverse, counts = runs if runs is not None else sentence_runs(sentence_ids, NAME)
    units = unit_rows(x, NAME) if units is None else units  # (n, d)
    raw_sum = segment_sums(x, inverse, len(counts))  # (s, d)
    unit_sum = segment_sums(units, inverse, len(counts))  # (s, d)
    mean_dir = unit_rows(raw_sum, f"{NAME} (sentence mean vector)")  # (s, d) x̄/‖x̄‖
    return (unit_sum * mean_dir).sum(1) / counts  # (s,)


def intra_sentence_similarity(x: torch.Tensor, sentence_ids: torch.Tensor) -> float:
    """All-at-once twin: x (n, d), contiguous sentence_ids (n,)."""
    x = checked_embeddings(as_token_batch(x, sentence_ids), NAME)
    require_tokens(len(x), NAME)
    return float(per_sentence_intra_similarity(x, sentence_ids).mean())


class IntraSentenceSimilarity:
    """Streaming mean over sentences of the mean token-to-sentence-mean cosine."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.total = 0.0  # Σ_s intra(s)
        self.sentences = 0
        self.dim: int | None = None
        self.guard = SplitSentenceGuard()

    def update(self, batch: TokenBatch) -> None:
        x = checked_embeddings(batch, NAME, self.dim)  # (n, d)
        if len(x) == 0:
            return
        self.guard.check(batch.sentence_ids, NAME)
        self.dim = x.shape[1]
        units, runs = checked_units(batch, NAME), batch_sentence_runs(batch, NAME)
        values = per_sentence_intra_similarity(x, batch.sentence_ids, units, runs)  # (s,)
        self.total += float(values.sum())
        self.sentences += len(values)

    def compute(self) -> dict[str, float]:
        require_tokens(self.sentences, NAME)
        return {"intra_sentence_similarity": self.total / self.sentences}
