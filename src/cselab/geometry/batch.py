"""One view of a batch for every analysed layer at once: what the running statistics read.

A :class:`ViewBatch` holds the kept tokens (or pooled sentences) of a batch of sentences
for all L analysed layers as one stacked tensor, so that a statistic updates every layer
with one batched operation (one ``bmm`` for L scatter matrices, one ``index_add_`` for L
per-type sums) instead of L small calls:

    vectors:      (L, n, d) float, one row per kept token (or sentence) and layer
    token_ids:    (n,) long, the "word" of each row (self-similarity types)
    sentence_ids: (n,) long, corpus-wide sentence index; a sentence's rows are contiguous
                  and never split across batches

For protocols that count padding in self-similarity (``xiao2023``), the first padding
position of each sentence comes along (``pad_vectors`` (L, p, d), ``pad_lengths`` (p,):
the sentence's attention length, i.e. the pad's position) with the attention length of
every sentence of the batch (``sentence_lengths``). What is derived from a batch (its
norms, unit rows, sentence runs, sampling keys) is computed once, on first use, and
shared by every statistic of the view (:meth:`ViewBatch.derived`). Per-batch work runs in
the model's precision (float32 for a float32 model, float64 for float64 input); every
running sum is accumulated in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import torch

from cselab.errors import CselabError

T = TypeVar("T")


@dataclass
class ViewBatch:
    """The rows of one view (tokens, or pooled sentences) of a batch, for L layers at once."""

    vectors: torch.Tensor
    token_ids: torch.Tensor
    sentence_ids: torch.Tensor
    pad_vectors: torch.Tensor | None = None
    pad_lengths: torch.Tensor | None = None
    sentence_lengths: torch.Tensor | None = None
    pad_token_id: int | None = None
    label: str = "geometry"
    _derived: dict[object, object] = field(default_factory=dict, init=False, repr=False)

    @property
    def n_layers(self) -> int:
        return int(self.vectors.shape[0])

    def __len__(self) -> int:
        return int(self.vectors.shape[1])

    def derived(self, key: object, make: Callable[[], T]) -> T:
        """``make()`` the first time ``key`` is asked for, the stored value afterwards."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]  # type: ignore[return-value]

    def check(self, dim: int | None) -> None:
        """Shapes, finiteness and contiguous sentences; ``dim`` = the width seen before."""
        x, who = self.vectors, self.label
        if x.dim() != 3:
            raise CselabError(f"{who}: embeddings must be (layers, n, d), got {tuple(x.shape)}")
        n = x.shape[1]
        shape = (n, x.shape[2])
        for name in ("token_ids", "sentence_ids"):
            other = getattr(self, name)
            if other.shape != (n,):
                raise CselabError(
                    f"{who}: {name} of shape {tuple(other.shape)} does not match "
                    f"embeddings of shape {shape}"
                )
        if dim is not None and n and x.shape[2] != dim:
            raise CselabError(
                f"{who}: embeddings of shape {shape} after batches of dimension {dim}"
            )
        if n:
            self.norms()  # checks finiteness
            self.runs()  # checks contiguity

    def work(self) -> torch.Tensor:
        """(L, n, d) vectors in the working precision: float64 for float64 input, float32
        otherwise (a float32 model's own precision; sums are accumulated in float64)."""
        x = self.vectors.detach()
        return x if x.dtype in (torch.float32, torch.float64) else x.float()

    def norms(self) -> torch.Tensor:
        """(L, n) L2 norms in the working precision, checked for NaN/inf (once per batch)."""

        def make() -> torch.Tensor:
            x = self.work()
            norms = torch.linalg.vector_norm(x, dim=2)  # (L, n)
            if not bool(torch.isfinite(norms.sum())):  # NaN/inf propagate into the norms
                bad = int((~torch.isfinite(x)).any(dim=2).any(dim=0).sum())
                shape = tuple(x.shape[1:])
                raise CselabError(
                    f"{self.label}: embeddings of shape {shape} contain NaN or inf ({bad} tokens)"
                )
            return norms

        return self.derived("norms", make)

    def float64(self) -> torch.Tensor:
        """(L, n, d) float64 copy of the vectors (checked)."""
        self.norms()
        return self.derived("float64", lambda: self.vectors.detach().to(torch.float64))

    def units(self) -> torch.Tensor:
        """(L, n, d) rows scaled to unit norm (working precision); a zero row is an error."""

        def make() -> torch.Tensor:
            norms = self.norms()
            if n_zero := int((norms == 0).sum()):
                shape = tuple(self.vectors.shape[1:])
                raise CselabError(
                    f"{self.label}: {n_zero} zero vector(s) in embeddings of shape {shape} "
                    "(cosine undefined)"
                )
            return self.work() / norms[..., None]

        return self.derived("units", make)

    def runs(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(run index of each row (n,), run lengths (s,)) of the contiguous sentences."""
        return self.derived("runs", lambda: sentence_runs(self.sentence_ids, self.label))

    def rank_in_sentence(self) -> torch.Tensor:
        """(n,) index of each row within its sentence (0, 1, 2, ...)."""

        def make() -> torch.Tensor:
            inverse, counts = self.runs()
            starts = torch.cumsum(counts, 0) - counts  # (s,)
            return torch.arange(len(inverse), device=inverse.device) - starts[inverse]

        return self.derived("rank", make)


def unit_rows(x: torch.Tensor, who: str) -> torch.Tensor:
    """Rows (..., n, d) scaled to unit L2 norm; a zero row has no direction: an error."""
    norms = x.norm(dim=-1, keepdim=True)  # (..., n, 1)
    if n_zero := int((norms == 0).sum()):
        shape = tuple(x.shape[-2:])
        raise CselabError(
            f"{who}: {n_zero} zero vector(s) in embeddings of shape {shape} (cosine undefined)"
        )
    return x / norms


def sentence_runs(sentence_ids: torch.Tensor, who: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Contiguous sentences: (run index per row (n,), run lengths (s,)); a sentence whose
    rows are not consecutive is an error."""
    ids, inverse, counts = torch.unique_consecutive(
        sentence_ids, return_inverse=True, return_counts=True
    )
    if len(torch.unique(ids)) != len(ids):
        raise CselabError(
            f"{who}: sentence_ids of shape {tuple(sentence_ids.shape)} are not contiguous "
            "(a sentence's tokens must be consecutive)"
        )
    return inverse, counts
