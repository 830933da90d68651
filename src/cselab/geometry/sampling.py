"""Seeded, batching-independent random choices for the sampled metrics.

Every random choice is a fixed pseudo-random number of (seed, stream, ids...) computed
with the splitmix64 hash (Steele et al. 2014), so a sample does not depend on how the
corpus was cut into batches or in which order batches arrive: streaming equals one-shot.

A uniform sample of ``k`` items without replacement is the ``k`` items with the smallest
keys (bottom-k / priority reservoir sampling): keys are i.i.d. uniform, so every subset
of size k is equally likely. :class:`BottomKSample` keeps only those k rows.
"""

from __future__ import annotations

import numpy as np
import torch

from cselab.geometry.base import OncePerBatch

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1

#: streams keep the choices of different purposes independent
STREAM_TOKEN_SAMPLE = 1
STREAM_SENTENCE_SAMPLE = 2
STREAM_TOKEN_IN_SENTENCE = 3


def _splitmix64(z: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on uint64 arrays (wrapping arithmetic)."""
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def uniform_keys(seed: int, stream: int, *ids: torch.Tensor) -> torch.Tensor:
    """(n,) float64 in [0, 1): one fixed uniform number per (seed, stream, ids[0][i], ...)."""
    n = len(ids[0])
    start = (int(seed) * 0x100000001B3 + int(stream)) & _MASK
    with np.errstate(over="ignore"):
        h = _splitmix64(np.full(n, start, dtype=np.uint64))
        for part in ids:
            values = part.detach().cpu().numpy().astype(np.int64).astype(np.uint64)
            h = _splitmix64(h ^ values)
    return torch.from_numpy((h >> np.uint64(11)).astype(np.float64) * 2.0**-53)


class BottomKSample:
    """The ``capacity`` rows with the smallest keys seen so far, sorted by key (CPU float64).

    Offered rows wait in a buffer and are merged (one sort) once the buffer holds
    ``capacity`` rows or when ``keys``/``rows`` are read, so a batch costs O(n), not a sort
    of the whole sample; the result is the same as merging every batch at once.

    ``shared=True``: several metrics of one layer with the same seed (informativity,
    uniformity, partition isotropy) read one sample; each batch is offered once
    (:meth:`offered`), and a metric that needs m ≤ capacity rows takes the first m, which
    are exactly the bottom-m sample (rows are kept in key order).
    """

    def __init__(self, capacity: int, shared: bool = False) -> None:
        self.capacity = capacity
        self.once = OncePerBatch(shared)
        self.clear()

    def clear(self) -> None:
        """Forget every row offered so far."""
        self._keys = torch.empty(0, dtype=torch.float64)  # (m,)
        self._rows: torch.Tensor | None = None  # (m, d)
        self._pending: list[tuple[torch.Tensor, torch.Tensor]] = []
        self._n_pending = 0
        self.once.forget()
        #: dtype of the offered rows (float32 from a float32 model): the precision of the
        #: large products on the sample (see :func:`working_dtype`)
        self.source_dtype: torch.dtype | None = None

    def offered(self, batch: object) -> bool:
        """For a shared sample: True if ``batch`` was already offered (by another metric)."""
        return self.once.repeated(batch)

    @property
    def dim(self) -> int | None:
        """Width of the rows offered so far (None before any), without merging."""
        if self._rows is not None:
            return int(self._rows.shape[1])
        return int(self._pending[0][1].shape[1]) if self._pending else None

    def add(
        self, keys: torch.Tensor, rows: torch.Tensor, source_dtype: torch.dtype | None = None
    ) -> None:
        """Offer rows (n, d) with their keys (n,); keep the best ``capacity``.
        ``source_dtype``: the dtype the rows had before any float64 copy (default theirs)."""
        if len(keys) == 0:
            return
        if self.source_dtype is None:
            self.source_dtype = source_dtype or rows.dtype
        if self._rows is not None and len(self._keys) >= self.capacity:
            better = keys < self._keys[-1]  # only these can enter a full sample
            keys, rows = keys[better], rows[better.to(rows.device)]
            if len(keys) == 0:
                return
        self._pending.append((keys, rows.detach()))
        self._n_pending += len(keys)
        if self._n_pending >= self.capacity:
            self._merge()

    def _merge(self) -> None:
        if not self._pending:
            return
        keys = torch.cat([self._keys] + [k for k, _ in self._pending])
        parts = [r.to("cpu", torch.float64) for _, r in self._pending]
        rows = torch.cat(parts if self._rows is None else [self._rows, *parts])
        order = torch.argsort(keys)[: self.capacity]
        self._keys, self._rows = keys[order], rows[order]
        self._pending, self._n_pending = [], 0

    @property
    def keys(self) -> torch.Tensor:
        """(m,) float64 keys of the kept rows, ascending."""
        self._merge()
        return self._keys

    @property
    def rows(self) -> torch.Tensor | None:
        """(m, d) float64 kept rows in key order (None before any row was offered)."""
        self._merge()
        return self._rows

    def head(self, m: int) -> torch.Tensor:
        """(min(m, len), d) the bottom-m sample: the first m kept rows."""
        rows = self.rows
        assert rows is not None
        return rows[:m]

    def __len__(self) -> int:
        return len(self.keys)


def working_dtype(source: torch.dtype | None) -> torch.dtype:
    """Precision of the large products on a sample: float32 when the model gave float32
    (its vectors carry ~1e-7 relative error already), float64 otherwise. A sum that would
    cancel (informativity's variance) is taken over values centred first."""
    return torch.float32 if source == torch.float32 else torch.float64


def token_sample_keys(sentence_ids: torch.Tensor, seed: int, metric: str) -> torch.Tensor:
    """(n,) key of each token, a fixed uniform of (seed, sentence id, index in sentence)."""
    from cselab.geometry.validation import rank_in_sentence

    ranks = rank_in_sentence(sentence_ids, metric)
    return uniform_keys(seed, STREAM_TOKEN_SAMPLE, sentence_ids, ranks)


def batch_sample_keys(batch, seed: int, metric: str) -> torch.Tensor:
    """:func:`token_sample_keys` of a :class:`TokenBatch`, computed once per batch and seed."""
    return batch.cached_ids(
        ("sample_keys", seed), lambda: token_sample_keys(batch.sentence_ids, seed, metric)
    )


def offer_batch(sample: BottomKSample, batch, seed: int, metric: str) -> None:
    """A metric's ``update`` on a (possibly shared) sample: check the batch's rows and offer
    them with their seeded keys, once per batch."""
    from cselab.geometry.validation import checked_embeddings

    if sample.offered(batch):
        return
    x = checked_embeddings(batch, metric, sample.dim)  # (n, d)
    if len(x):
        sample.add(batch_sample_keys(batch, seed, metric), x, batch.embeddings.dtype)


class SampledMetric:
    """Base of the metrics computed on a seeded bottom-k sample of one layer's vectors
    (informativity, uniformity, partition isotropy): ``update`` offers each batch, and
    :meth:`sample_rows` gives the first ``n_samples`` rows with their working precision.
    The ``sample`` may be replaced by a larger one shared within the layer
    (:func:`cselab.geometry.metric_set.share_sample`)."""

    name = ""
    min_rows = 2  # rows the computation needs

    def __init__(self, n_samples: int, seed: int) -> None:
        from cselab.errors import CselabError

        if n_samples < self.min_rows:
            raise CselabError(f"{self.name}: n_samples={n_samples} must be >= {self.min_rows}")
        self.n_samples, self.seed = n_samples, seed
        self.sample = BottomKSample(n_samples)

    def reset(self) -> None:
        self.sample.clear()

    def update(self, batch) -> None:
        offer_batch(self.sample, batch, self.seed, self.name)

    def sample_rows(self) -> tuple[torch.Tensor, torch.dtype]:
        """(the bottom-``n_samples`` rows (m, d), the precision of products on them)."""
        from cselab.geometry.validation import require_tokens

        require_tokens(len(self.sample), self.name, needed=self.min_rows)
        rows = self.sample.head(self.n_samples)
        return rows, working_dtype(self.sample.source_dtype)
