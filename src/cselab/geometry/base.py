"""The streaming-metric protocol shared by every geometry metric.

A metric sees one layer's token embeddings batch by batch (``update``), keeps running
sums only (never all embeddings), and returns named numbers (``compute``). Each metric
also has a plain-function twin that takes all embeddings at once; tests check that the
two agree with a brute-force O(N²) reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import torch

T = TypeVar("T")


@dataclass
class TokenBatch:
    """One layer's view of a batch of sentences, flattened over tokens.

    embeddings:   (n_tokens, d) float, contextual vectors of the kept tokens
    token_ids:    (n_tokens,) long, vocabulary ids (the "word" for self-similarity)
    sentence_ids: (n_tokens,) long, corpus-wide sentence index; a sentence's tokens are
                  contiguous and never split across batches
    positions:    (n_tokens,) long, position of the token in its tokenized sentence

    Tensors derived from the batch (its float64 copy, unit rows, centred scatter) are
    computed once and shared by every metric of the layer through :meth:`cached`. Tensors
    derived from the ids alone (sentence runs, sampling keys) go through
    :meth:`cached_ids`, whose store ``id_cache`` the views of every layer of one forward
    pass may share. A batch is read-only once built.
    """

    embeddings: torch.Tensor
    token_ids: torch.Tensor
    sentence_ids: torch.Tensor
    positions: torch.Tensor
    id_cache: dict[object, object] = field(default_factory=dict, repr=False, compare=False)
    _cache: dict[object, object] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def cached(self, key: object, make: Callable[[], T]) -> T:
        """``make()`` the first time ``key`` is asked for, the stored value afterwards."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]  # type: ignore[return-value]

    def cached_ids(self, key: object, make: Callable[[], T]) -> T:
        """Like :meth:`cached`, for values that depend on the ids only (not on embeddings)."""
        if key not in self.id_cache:
            self.id_cache[key] = make()
        return self.id_cache[key]  # type: ignore[return-value]


class OncePerBatch:
    """For an accumulator that several metrics of one layer share (a running covariance, a
    reservoir sample): :meth:`repeated` tells whether a batch was already taken from
    another metric, so each batch is added once. Not shared: every batch is new."""

    def __init__(self, shared: bool = False) -> None:
        self.shared = shared
        self._last: object = None

    def repeated(self, batch: object) -> bool:
        """True if ``batch`` is the one just taken (only when shared); remembers it."""
        if not self.shared:
            return False
        if batch is self._last:
            return True
        self._last = batch
        return False

    def forget(self) -> None:
        """Start afresh (after a reset of the accumulator)."""
        self._last = None


class StreamingMetric(Protocol):
    """update / compute / reset; ``compute`` returns ``{metric_name: value}``."""

    def update(self, batch: TokenBatch) -> None: ...

    def compute(self) -> dict[str, float]: ...

    def reset(self) -> None: ...
