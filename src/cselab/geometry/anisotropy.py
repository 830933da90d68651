"""Anisotropy: the expected cosine between two random token embeddings.

Xiao et al. (2023, eq. 1) and Ethayarajh (2019) use it as the baseline that self- and
intra-sentence similarity are adjusted by. Two estimates:

- ``anisotropy`` (exact): the mean cosine over all ordered token pairs i≠j. With unit
  vectors û and S = Σ û, Σ_{i≠j} ûᵢ·û_j = ‖S‖² − n, so the mean is (‖S‖² − n)/(n(n−1)),
  O(N·d) with one running sum vector.
- ``anisotropy_sampled`` (the paper's baseline): up to ``sample_sentences`` sentences drawn
  uniformly, one uniformly random token from each, mean off-diagonal cosine of those
  vectors. Seeded and batching-independent (see :mod:`cselab.geometry.sampling`).
"""

from __future__ import annotations

import torch

from cselab.geometry.base import TokenBatch
from cselab.geometry.sampling import (
    STREAM_SENTENCE_SAMPLE,
    STREAM_TOKEN_IN_SENTENCE,
    BottomKSample,
    uniform_keys,
)
from cselab.geometry.validation import (
    SplitSentenceGuard,
    as_token_batch,
    checked_embeddings,
    checked_units,
    require_tokens,
    sentence_runs,
    unit_rows,
    unit_sums,
)

NAME = "anisotropy"


def mean_offdiagonal_cosine(units: torch.Tensor) -> float:
    """Mean cosine over ordered pairs i≠j of unit rows (n, d): (‖Σu‖² − n)/(n(n−1))."""
    n = units.shape[0]
    total = units.sum(dim=0)  # (d,)
    return float((total @ total - n) / (n * (n - 1)))


def anisotropy_all_pairs(x: torch.Tensor) -> float:
    """Exact mean cosine over all token pairs i≠j of x (n, d)."""
    x = checked_embeddings(as_token_batch(x), NAME)
    require_tokens(len(x), NAME, needed=2)
    return mean_offdiagonal_cosine(unit_rows(x, NAME))


def one_token_per_sentence(
    sentence_ids: torch.Tensor, seed: int, metric: str = NAME
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """For contiguous sentences: (chosen token index (s,), sentence id (s,), sentence key (s,)).

    The token of sentence s is ⌊u·m_s⌋ with u a fixed uniform of (seed, s) and m_s its
    length; the sentence key (another fixed uniform of (seed, s)) ranks sentences for the
    bottom-k sample.
    """
    inverse, counts = sentence_runs(sentence_ids, metric)
    starts = torch.cumsum(counts, 0) - counts  # (s,)
    ids = sentence_ids[starts]  # (s,)
    u = uniform_keys(seed, STREAM_TOKEN_IN_SENTENCE, ids).to(counts.device)  # (s,)
    offset = torch.minimum((u * counts).long(), counts - 1)  # (s,)
    keys = uniform_keys(seed, STREAM_SENTENCE_SAMPLE, ids)  # (s,) on CPU
    return starts + offset, ids, keys


def anisotropy_sampled(
    x: torch.Tensor, sentence_ids: torch.Tensor, n_sentences: int = 1000, seed: int = 0
) -> float:
    """The paper's baseline on all vectors at once: x (n, d), contiguous sentence_ids (n,)."""
    batch = as_token_batch(x, sentence_ids)
    x = checked_embeddings(batch, NAME)
    require_tokens(len(x), NAME)
    chosen, _, keys = one_token_per_sentence(sentence_ids, seed)
    keep = torch.argsort(keys)[:n_sentences]
    require_tokens(len(keep), NAME, needed=2, what="sentences")
    return mean_offdiagonal_cosine(unit_rows(x[chosen[keep.to(chosen.device)]], NAME))


class AnisotropyBaseline:
    """Streaming exact and sampled anisotropy of one layer's tokens."""

    def __init__(self, sample_sentences: int = 1000, seed: int = 0) -> None:
        self.sample_sentences = sample_sentences
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        self.n = 0
        self.unit_sum: torch.Tensor | None = None  # (d,) float64
        self.sample = BottomKSample(self.sample_sentences)
        self.guard = SplitSentenceGuard()

    def update(self, batch: TokenBatch) -> None:
        dim = None if self.unit_sum is None else len(self.unit_sum)
        units = checked_units(batch, NAME, dim)  # (n, d)
        if len(units) == 0:
            return
        self.guard.check(batch.sentence_ids, NAME)
        total = unit_sums(batch, NAME)[0]  # (d,)
        self.unit_sum = total if self.unit_sum is None else self.unit_sum + total
        self.n += len(units)
        chosen, _, keys = batch.cached_ids(
            ("one_token_per_sentence", self.seed),
            lambda: one_token_per_sentence(batch.sentence_ids, self.seed),
        )
        self.sample.add(keys, units[chosen])

    def compute(self) -> dict[str, float]:
        require_tokens(self.n, NAME, needed=2)
        assert self.unit_sum is not None and self.sample.rows is not None
        s, n = self.unit_sum, self.n
        require_tokens(len(self.sample), NAME, needed=2, what="sentences")
        return {
            "anisotropy": float((s @ s - n) / (n * (n - 1))),
            "anisotropy_sampled": mean_offdiagonal_cosine(self.sample.rows),
        }
