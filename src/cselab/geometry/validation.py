"""Input checks shared by the streaming geometry metrics.

Every metric sees one layer's tokens as a :class:`~cselab.geometry.base.TokenBatch`.
These helpers turn a batch into float64 vectors (once per batch, shared by all metrics
through :meth:`TokenBatch.cached`) and raise :class:`CselabError` naming
the metric and the offending tensor (shape, NaN, zero vector, split sentence, no tokens).
"""

from __future__ import annotations

import torch

from cselab.errors import CselabError
from cselab.geometry.base import TokenBatch


class MetricUndefined(CselabError):
    """The metric has no value on this input (e.g. no token type reaches ``min_count``);
    the geometry pipeline skips it with a warning instead of stopping the run."""


def checked_embeddings(batch: TokenBatch, metric: str, dim: int | None = None) -> torch.Tensor:
    """The batch's embeddings as (n, d) float64, after shape and finiteness checks.

    ``dim`` is the width seen in earlier batches (None before the first one).
    """
    x = batch.embeddings
    if x.dim() != 2:
        raise CselabError(f"{metric}: embeddings must be (n_tokens, d), got shape {tuple(x.shape)}")
    n = x.shape[0]
    for name in ("token_ids", "sentence_ids"):
        other = getattr(batch, name)
        if other.shape != (n,):
            raise CselabError(
                f"{metric}: {name} of shape {tuple(other.shape)} does not match "
                f"embeddings of shape {tuple(x.shape)}"
            )
    if dim is not None and n and x.shape[1] != dim:
        raise CselabError(
            f"{metric}: embeddings of shape {tuple(x.shape)} after batches of dimension {dim}"
        )
    return batch.cached("float64", lambda: _finite_float64(x, metric))


def _finite_float64(x: torch.Tensor, metric: str) -> torch.Tensor:
    x = x.detach().to(torch.float64)  # (n, d)
    if not bool(torch.isfinite(x.sum())):  # NaN/inf propagate to the float64 sum
        bad = int((~torch.isfinite(x)).any(dim=1).sum())
        raise CselabError(
            f"{metric}: embeddings of shape {tuple(x.shape)} contain NaN or inf ({bad} tokens)"
        )
    return x


def checked_units(batch: TokenBatch, metric: str, dim: int | None = None) -> torch.Tensor:
    """(n, d) float64 unit rows of the batch (checked, computed once per batch)."""
    x = checked_embeddings(batch, metric, dim)
    return batch.cached("units", lambda: unit_rows(x, metric))


def unit_rows(x: torch.Tensor, metric: str) -> torch.Tensor:
    """(n, d) rows scaled to unit L2 norm; a zero row has no direction, so it is an error."""
    norms = x.norm(dim=1, keepdim=True)  # (n, 1)
    if n_zero := int((norms == 0).sum()):
        raise CselabError(
            f"{metric}: {n_zero} zero vector(s) in embeddings of shape {tuple(x.shape)} "
            "(cosine undefined)"
        )
    return x / norms


def unit_sums(batch: TokenBatch, metric: str, dim: int | None = None):
    """(Σ_t û_t (d,), Σ_t û_t² (d,)) float64 of a batch's unit rows, computed once per batch."""
    units = checked_units(batch, metric, dim)
    return batch.cached("unit_sums", lambda: (units.sum(0), (units * units).sum(0)))


def segment_sums(values: torch.Tensor, inverse: torch.Tensor, n_segments: int) -> torch.Tensor:
    """(s, d) row sums of values (n, d) per segment index ``inverse`` (n,), O(n·d)."""
    return values.new_zeros(n_segments, values.shape[1]).index_add_(0, inverse, values)


def require_tokens(n: int, metric: str, needed: int = 1, what: str = "tokens") -> None:
    """Raise ``no tokens ...`` (or too few) before computing on an empty stream."""
    if n == 0:
        raise CselabError(f"{metric}: no {what} were given (empty input); nothing to compute")
    if n < needed:
        raise CselabError(f"{metric}: needs at least {needed} {what}, got {n}")


def sentence_runs(sentence_ids: torch.Tensor, metric: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Contiguous sentences of a batch: (run index per token (n,), run lengths (s,)).

    A sentence must be one contiguous run of tokens (TokenBatch contract).
    """
    return _sentence_runs(sentence_ids, metric)


def batch_sentence_runs(batch: TokenBatch, metric: str) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`sentence_runs` of a batch's sentence ids, computed once per batch."""
    return batch.cached_ids("runs", lambda: _sentence_runs(batch.sentence_ids, metric))


def _sentence_runs(sentence_ids: torch.Tensor, metric: str) -> tuple[torch.Tensor, torch.Tensor]:
    ids, inverse, counts = torch.unique_consecutive(
        sentence_ids, return_inverse=True, return_counts=True
    )
    if len(torch.unique(ids)) != len(ids):
        raise CselabError(
            f"{metric}: sentence_ids of shape {tuple(sentence_ids.shape)} are not contiguous "
            "(a sentence's tokens must be consecutive)"
        )
    return inverse, counts


def rank_in_sentence(sentence_ids: torch.Tensor, metric: str) -> torch.Tensor:
    """(n,) long: index of each token within its (contiguous) sentence, 0, 1, 2, ..."""
    inverse, counts = sentence_runs(sentence_ids, metric)
    starts = torch.cumsum(counts, 0) - counts  # (s,)
    return torch.arange(len(sentence_ids), device=sentence_ids.device) - starts[inverse]


class SplitSentenceGuard:
    """Remembers the last sentence id of the previous batch to detect a split sentence."""

    def __init__(self) -> None:
        self.last: int | None = None

    def check(self, sentence_ids: torch.Tensor, metric: str) -> None:
        if len(sentence_ids) == 0:
            return
        if self.last is not None and int(sentence_ids[0]) == self.last:
            raise CselabError(
                f"{metric}: sentence {self.last} is split across batches "
                "(a sentence's tokens must all be in one batch)"
            )
        self.last = int(sentence_ids[-1])


def as_token_batch(x: torch.Tensor, sentence_ids: torch.Tensor | None = None) -> TokenBatch:
    """Wrap bare vectors (n, d) as a batch for the shared checks (one sentence per token
    unless ``sentence_ids`` is given)."""
    n = x.shape[0] if x.dim() >= 1 else 0
    ids = torch.arange(n, device=x.device)
    sids = ids if sentence_ids is None else sentence_ids
    return TokenBatch(x, ids, sids, ids)
