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
norms, sentence runs, sampling keys, and the per-layer sums of
:mod:`cselab.geometry.batch_sums`, all asked for at once in one pass over each layer) is
computed once, on first use, and shared by every statistic of the view
(:meth:`ViewBatch.derived`). Per-batch work runs in the model's precision (float32 for
a float32 model, float64 for float64 input); every running total is float64.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TypeVar

import torch

from cselab.errors import CselabError
from cselab.geometry.batch_sums import BatchSums, batch_sums

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
    wanted: frozenset[str] = frozenset()  # batch sums every statistic of the view reads
    layer_ids: tuple[int, ...] | None = None  # the stacked layers' ids, for messages
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
        """(L, n) L2 norms in the working precision, checked for NaN/inf (once per batch);
        from the one pass of :meth:`sums` when the view's statistics want sums."""

        def make() -> torch.Tensor:
            norms = self.sums(()).norms if self.wanted else None
            if norms is None:
                norms = torch.linalg.vector_norm(self.work(), dim=2)  # (L, n)
            if not bool(torch.isfinite(norms.sum())):  # NaN/inf propagate into the norms
                rows = ~torch.isfinite(self.work()).all(dim=2)  # (L, n)
                bad = int(rows.any(dim=0).sum())
                where = rows.any(dim=1).nonzero().flatten().tolist()
                if self.layer_ids is not None:
                    where = [self.layer_ids[i] for i in where]
                shape = tuple(self.vectors.shape[1:])
                raise CselabError(
                    f"{self.label}: embeddings of shape {shape} contain NaN or inf ({bad} tokens; "
                    f"layer{'s' if len(where) > 1 else ''} {', '.join(map(str, where))})"
                )
            return norms

        return self.derived("norms", make)

    def nonzero_norms(self) -> torch.Tensor:
        """(L, n) norms; a zero row has no direction (cosine undefined): an error."""

        def make() -> torch.Tensor:
            norms = self.norms()
            if n_zero := int((norms == 0).sum()):
                shape = tuple(self.vectors.shape[1:])
                raise CselabError(
                    f"{self.label}: {n_zero} zero vector(s) in embeddings of shape {shape} "
                    "(cosine undefined)"
                )
            return norms

        return self.derived("nonzero_norms", make)

    def units_at(self, rows: torch.Tensor) -> torch.Tensor:
        """(L, k, d) the given rows (k,) scaled to unit norm (working precision)."""
        picked = self.work().index_select(1, rows)  # (L, k, d)
        return picked / self.nonzero_norms().index_select(1, rows)[..., None]

    def sums(self, needs: Collection[str]) -> BatchSums:
        """The per-layer sums ``needs`` (names of :data:`cselab.geometry.batch_sums.SUMS`),
        computed with every sum in ``wanted`` in one pass over each layer, once; checked
        (no NaN, inf or zero vector) when read for the first time."""
        have: tuple[frozenset[str], BatchSums] | None = self._derived.get("sums")  # type: ignore[assignment]
        if have is None or not set(needs) <= have[0]:
            names = frozenset(needs) | self.wanted | (have[0] if have else frozenset())
            index, n_sentences = None, 0
            if "sentences" in names:  # unchecked: check() tests them after the norms
                _, index, counts = self.consecutive()
                n_sentences = len(counts)
            found = batch_sums(
                self.work(), names, sentence_index=index, n_sentences=n_sentences,
                token_ids=self.token_ids.long(), sentence_ids=self.sentence_ids.long(),
            )  # fmt: skip
            have = (names, found)
            self._derived["sums"] = have
        if needs:
            self.nonzero_norms()  # checks NaN, inf and zero vectors
        return have[1]

    def consecutive(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """:func:`consecutive_runs` of the sentence ids (not checked), once per batch."""
        return self.derived("consecutive", lambda: consecutive_runs(self.sentence_ids))

    def runs(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(run index of each row (n,), run lengths (s,)) of the contiguous sentences."""
        return self.derived(
            "runs", lambda: sentence_runs(self.sentence_ids, self.label, self.consecutive())
        )

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


def consecutive_runs(
    sentence_ids: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Runs of equal consecutive ids: (id of each run (s,), run index per row (n,), run
    lengths (s,)); not checked (:func:`sentence_runs` checks them)."""
    return torch.unique_consecutive(sentence_ids, return_inverse=True, return_counts=True)


def sentence_runs(
    sentence_ids: torch.Tensor,
    who: str,
    runs: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Contiguous sentences: (run index per row (n,), run lengths (s,)); a sentence whose
    rows are not consecutive is an error. ``runs``: its :func:`consecutive_runs`, when
    computed already."""
    ids, inverse, counts = consecutive_runs(sentence_ids) if runs is None else runs
    if len(torch.unique(ids)) != len(ids):
        raise CselabError(
            f"{who}: sentence_ids of shape {tuple(sentence_ids.shape)} are not contiguous "
            "(a sentence's tokens must be consecutive)"
        )
    return inverse, counts
