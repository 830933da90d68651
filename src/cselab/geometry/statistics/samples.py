"""Seeded bottom-k samples of rows, the same for every layer, mergeable exactly.

Every row has a fixed pseudo-random key, a hash of (seed, stream, sentence id, index in
the sentence) (:func:`cselab.geometry.sampling.uniform_keys`); a uniform sample of k rows
without replacement is the k rows with the smallest keys (bottom-k / priority sampling).
Keys are global, so the sample does not depend on batch size, batch order, or how the
corpus was split between processes: merging two samples (keep the k smallest keys of
both) gives the sample one process would draw. Rows enter for all L layers at once (the
same tokens at every layer).

- :class:`TokenSample`: k tokens, raw vectors in the model's precision (informativity,
  uniformity, partition isotropy).
- :class:`SentenceSample`: the paper's anisotropy baseline: up to k sentences, one
  uniformly chosen token each (token ⌊u·m⌋ of a sentence of m tokens), unit vectors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from cselab.geometry.batch import ViewBatch
from cselab.geometry.sampling import (
    STREAM_SENTENCE_SAMPLE,
    STREAM_TOKEN_IN_SENTENCE,
    STREAM_TOKEN_SAMPLE,
    uniform_keys,
    working_dtype,
)
from cselab.geometry.statistics.base import cpu


def one_token_per_sentence(
    sentence_ids: torch.Tensor, runs: tuple[torch.Tensor, torch.Tensor], seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """For contiguous sentences: (chosen row (s,), sentence key (s,)). The row of sentence s
    is ⌊u·m_s⌋ with u a fixed uniform of (seed, s) and m_s its length; the key (another fixed
    uniform of (seed, s)) ranks sentences for the bottom-k sample."""
    _, counts = runs
    starts = torch.cumsum(counts, 0) - counts  # (s,)
    ids = sentence_ids[starts]  # (s,)
    u = uniform_keys(seed, STREAM_TOKEN_IN_SENTENCE, ids).to(counts.device)  # (s,)
    offset = torch.minimum((u * counts).long(), counts - 1)  # (s,)
    return starts + offset, uniform_keys(seed, STREAM_SENTENCE_SAMPLE, ids)


@dataclass(frozen=True)
class LayerSample:
    rows: torch.Tensor | None  # (m, d) float64, in key order
    precision: torch.dtype  # of the large products on the sample


class BottomK:
    """The ``capacity`` rows (for L layers) with the smallest keys offered so far.

    Offered rows wait in a buffer; once ``capacity`` keys are held, the capacity-th smallest
    key held is a bound that a later row must beat to be kept (found from the keys alone).
    The rows are merged (one sort) when the buffer holds twice ``capacity`` rows or when
    the sample is read, so a batch costs O(n), not a copy or sort of the whole sample."""

    reads: tuple[str, ...] = ()  # batch sums

    def __init__(self, capacity: int, seed: int = 0) -> None:
        self.capacity, self.seed = capacity, seed
        self.keys = torch.empty(0, dtype=torch.float64)  # (m,) ascending, CPU
        self.rows: torch.Tensor | None = None  # (L, m, d)
        self._pending: list[tuple[torch.Tensor, torch.Tensor]] = []
        self._n_pending = 0
        self._bound = math.inf  # keys >= bound cannot enter the sample

    def offer(self, keys: torch.Tensor, rows: torch.Tensor) -> None:
        """Rows (L, m, d) with their keys (m,); keep the best ``capacity``."""
        if not len(keys) or self.capacity < 1:
            return
        if self._bound < math.inf:
            better = keys < self._bound  # only these can enter a full sample
            if not bool(better.any()):
                return
            if not bool(better.all()):
                kept = better.nonzero().flatten()
                keys, rows = keys[kept], rows.index_select(1, kept.to(rows.device))
        self._pending.append((keys, rows.detach()))
        self._n_pending += len(keys)
        if self._n_pending >= 2 * self.capacity:
            self._settle()
        elif len(self.keys) + self._n_pending >= self.capacity:
            held = torch.cat([self.keys] + [k for k, _ in self._pending])
            self._bound = float(torch.kthvalue(held, self.capacity).values)

    def _settle(self) -> None:
        """Keep the ``capacity`` smallest keys: sort the keys, then copy only the winning
        rows, part by part."""
        if not self._pending:
            return
        parts = ([] if self.rows is None else [self.rows]) + [r for _, r in self._pending]
        keys = torch.cat([self.keys] + [k for k, _ in self._pending])
        order = torch.argsort(keys)[: self.capacity]  # (m,) positions in the parts laid end to end
        ends = torch.tensor([p.shape[1] for p in parts]).cumsum(0)  # (parts,)
        part_of = torch.searchsorted(ends, order, right=True)  # (m,)
        first = parts[0]
        rows = first.new_empty(first.shape[0], len(order), first.shape[2])
        for j, part in enumerate(parts):
            slots = (part_of == j).nonzero().flatten()
            if len(slots):
                start = int(ends[j]) - part.shape[1]
                picked = part.to(first.device).index_select(1, order[slots] - start)
                rows.index_copy_(1, slots.to(first.device), picked)
        self.keys, self.rows = keys[order], rows
        self._pending, self._n_pending = [], 0
        if len(self.keys) >= self.capacity:
            self._bound = float(self.keys[-1])

    def __len__(self) -> int:
        self._settle()
        return len(self.keys)

    def merge(self, other: BottomK) -> None:
        other._settle()
        if other.rows is not None:
            self.offer(other.keys, other.rows)

    def state_dict(self) -> dict[str, Any]:
        self._settle()
        return cpu({"capacity": self.capacity, "keys": self.keys, "rows": self.rows})

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.capacity, self.keys, self.rows = int(state["capacity"]), state["keys"], state["rows"]
        self._pending, self._n_pending = [], 0
        self._bound = float(self.keys[-1]) if len(self.keys) >= self.capacity else math.inf

    def layer_rows(self, layer: int) -> torch.Tensor | None:
        self._settle()
        return None if self.rows is None else self.rows[layer]


class TokenSample(BottomK):
    """Bottom-``capacity`` tokens keyed by (seed, sentence id, index in the sentence)."""

    def update(self, batch: ViewBatch) -> None:
        if not len(batch):
            return
        keys = batch.derived(
            ("token_keys", self.seed),
            lambda: uniform_keys(
                self.seed, STREAM_TOKEN_SAMPLE, batch.sentence_ids, batch.rank_in_sentence()
            ),
        )
        self.offer(keys, batch.vectors)

    def at(self, layer: int) -> LayerSample:
        rows = self.layer_rows(layer)
        if rows is None:
            return LayerSample(None, torch.float64)
        return LayerSample(rows.to(torch.float64), working_dtype(rows.dtype))


class SentenceSample(BottomK):
    """Bottom-``capacity`` sentences, one seeded token each, as unit vectors."""

    def update(self, batch: ViewBatch) -> None:
        if not len(batch):
            return
        chosen, keys = batch.derived(
            ("one_token_per_sentence", self.seed),
            lambda: one_token_per_sentence(batch.sentence_ids, batch.runs(), self.seed),
        )
        self.offer(keys, batch.units_at(chosen))

    def at(self, layer: int) -> LayerSample:
        rows = self.layer_rows(layer)
        return LayerSample(None if rows is None else rows.to(torch.float64), torch.float64)
