"""One pass over a batch: the per-layer sums that the running statistics read.

For every layer the batch's (n, d) rows x are read once, while they are in cache, and
give their norms ‖x_t‖ and, as asked:

    units:     Σ_t û_t and Σ_t û_t² per dimension, û_t = x_t / ‖x_t‖    (moments)
    sentences: Σ_t x_t and Σ_t û_t of each sentence                      (intra-sentence)
    types:     Σ û over the occurrences of each token type, and the
               occurrences seen / used per type                           (self-similarity)
    first_types: the same over the first occurrence of a type in each sentence only

The unit rows of a layer live in one scratch buffer and are never stored for all L layers
at once: a stacked (L, n, d) pass per sum costs a trip through memory each (measured on
all-MiniLM-L6-v2 batches of ~630 tokens: the per-layer pass took 0.22 s per 5,000 STS-B
sentences against 0.82 s for the same sums on stacked tensors; benchmarks/geometry_speed.py).
Sums are in the working precision (float32 for a float32 model); the statistics add them
into float64 totals.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import torch

#: what a statistic can ask of the pass
SUMS = ("units", "sentences", "types", "first_types")


@dataclass
class BatchSums:
    """Sums of one batch for L layers (fields not asked for are None)."""

    norms: torch.Tensor  # (L, n) ‖x_t‖ (not checked: NaN, inf and 0 pass through)
    unit_sum: torch.Tensor | None = None  # (L, d) Σ û
    unit_squares: torch.Tensor | None = None  # (L, d) Σ û²
    sentence_sums: torch.Tensor | None = None  # (L, s, d) Σ x per sentence
    sentence_unit_sums: torch.Tensor | None = None  # (L, s, d) Σ û per sentence
    type_ids: torch.Tensor | None = None  # (k,) the batch's token types, ascending
    type_seen: torch.Tensor | None = None  # (k,) occurrences of each
    type_used: torch.Tensor | None = None  # (k,) occurrences summed (first ones, if asked)
    type_unit_sums: torch.Tensor | None = None  # (L, k, d) Σ û over the used occurrences


def batch_sums(
    x: torch.Tensor,
    wanted: Collection[str],
    *,
    sentence_index: torch.Tensor | None = None,
    n_sentences: int = 0,
    token_ids: torch.Tensor | None = None,
    sentence_ids: torch.Tensor | None = None,
) -> BatchSums:
    """The norms and the ``wanted`` sums (names of :data:`SUMS`) of rows x (L, n, d) (a
    zero row gives non-finite sums: the caller checks the norms); ``sentence_index`` (n,)
    numbers the rows' sentences 0..s-1, ``token_ids`` (n,) are their types and
    ``sentence_ids`` (n,) their sentences (for ``first_types``)."""
    unknown = set(wanted) - set(SUMS)
    if unknown:
        raise KeyError(f"unknown batch sums {sorted(unknown)}; choose from {SUMS}")
    if {"types", "first_types"} <= set(wanted):
        raise KeyError("ask for the type sums over all occurrences or first ones, not both")
    layers, n, d = x.shape
    out = BatchSums(x.new_empty(layers, n))
    direct_unit_sum = "sentences" not in wanted  # else Σû is the sum of the sentences' Σû
    if "units" in wanted:
        out.unit_sum, out.unit_squares = x.new_empty(layers, d), x.new_empty(layers, d)
    if "sentences" in wanted:
        assert sentence_index is not None
        out.sentence_sums = x.new_zeros(layers, n_sentences, d)
        out.sentence_unit_sums = x.new_zeros(layers, n_sentences, d)
    type_index = None
    if "types" in wanted or "first_types" in wanted:
        assert token_ids is not None
        out.type_ids, inverse = torch.unique(token_ids, return_inverse=True)
        k = len(out.type_ids)
        out.type_seen = torch.bincount(inverse, minlength=k)
        type_index = inverse
        if "first_types" in wanted:
            assert sentence_ids is not None
            first = first_occurrences(token_ids, sentence_ids)
            type_index = torch.where(first, inverse, k)  # k: a slot that is dropped
        out.type_used = torch.bincount(type_index, minlength=k + 1)[:k]
        out.type_unit_sums = x.new_zeros(layers, k + 1, d)
    units = x.new_empty(n, d)  # one layer's unit rows at a time
    for layer in range(layers):
        rows = x[layer]  # (n, d)
        norms = torch.linalg.vector_norm(rows, dim=1, out=out.norms[layer])  # (n,)
        torch.div(rows, norms[:, None], out=units)
        if out.unit_sum is not None and direct_unit_sum:
            torch.sum(units, 0, out=out.unit_sum[layer])
        if out.sentence_sums is not None and out.sentence_unit_sums is not None:
            out.sentence_sums[layer].index_add_(0, sentence_index, rows)
            out.sentence_unit_sums[layer].index_add_(0, sentence_index, units)
        if out.type_unit_sums is not None:
            out.type_unit_sums[layer].index_add_(0, type_index, units)
        if out.unit_squares is not None:  # last: squares the scratch rows in place
            torch.sum(units.square_(), 0, out=out.unit_squares[layer])
    if out.unit_sum is not None and out.sentence_unit_sums is not None:
        torch.sum(out.sentence_unit_sums, 1, out=out.unit_sum)
    if out.type_unit_sums is not None:
        out.type_unit_sums = out.type_unit_sums[:, :-1]
    return out


def first_occurrences(token_ids: torch.Tensor, sentence_ids: torch.Tensor) -> torch.Tensor:
    """(n,) bool: True at the first occurrence of each token id within each sentence."""
    n = len(token_ids)
    key = sentence_ids * (int(token_ids.max()) + 1) + token_ids  # (n,) unique per pair
    _, inverse = torch.unique(key, return_inverse=True)
    order = torch.arange(n, device=token_ids.device)
    first = torch.full((int(inverse.max()) + 1,), n, device=token_ids.device, dtype=torch.long)
    first = first.scatter_reduce(0, inverse, order, reduce="amin")  # (types in batch,)
    return first[inverse] == order
