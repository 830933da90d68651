"""Self-similarity: how similar a token type is to itself in different contexts.

Ethayarajh (2019); Xiao et al. (2023, section 2). For a type w with occurrence vectors
u_1..u_c (unit-normalised) and sum S_w = Σ û, the mean pairwise cosine over i≠j is

    ss(w) = (‖S_w‖² − c) / (c(c−1)),

so one running sum vector and one count per type suffice (memory bounded by the types
seen, never by the corpus). A type enters the average if it was seen at least
``min_count`` times (and has ≥ 2 used occurrences); the layer's value is the mean over
those types. ``first_occurrence_only`` uses only a type's first occurrence in each
sentence (the paper's code); ``min_count`` still counts every occurrence seen.

Dimension shares of self-similarity (the paper's Table 1, its code's
``identifying_rogue_dimensions``): per type, the full cosine matrix of its occurrences
(diagonal included) sums to ‖S_w‖², of which dimension i is S_{w,i}²; the type's share
vector is S_{w,i}² / ‖S_w‖². The paper's code stops at per-type vectors; we average them
over the qualifying types (``dimension_aggregation="mean"``, each type weighted like in
the self-similarity mean) or pool them (``"pooled"``: Σ_w S_{w,i}² / Σ_w ‖S_w‖²).
"""

from __future__ import annotations

import torch

from cselab.errors import CselabError
from cselab.geometry.base import TokenBatch
from cselab.geometry.dimensions import share_summary
from cselab.geometry.validation import (
    MetricUndefined,
    SplitSentenceGuard,
    as_token_batch,
    checked_units,
    require_tokens,
)

NAME = "self_similarity"
AGGREGATIONS = ("mean", "pooled")


def first_occurrences(token_ids: torch.Tensor, sentence_ids: torch.Tensor) -> torch.Tensor:
    """(n,) bool: True at the first occurrence of each token id within each sentence."""
    n = len(token_ids)
    key = sentence_ids * (int(token_ids.max()) + 1) + token_ids  # (n,) unique per pair
    _, inverse = torch.unique(key, return_inverse=True)
    order = torch.arange(n, device=token_ids.device)
    first = torch.full((int(inverse.max()) + 1,), n, device=token_ids.device, dtype=torch.long)
    first = first.scatter_reduce(0, inverse, order, reduce="amin")  # (types in batch,)
    return first[inverse] == order


class SelfSimilarity:
    """Streaming self-similarity per token type (one sum vector and counts per type)."""

    def __init__(
        self,
        min_count: int = 5,
        first_occurrence_only: bool = False,
        dimension_aggregation: str = "mean",
    ) -> None:
        if min_count < 1:
            raise CselabError(f"{NAME}: min_count={min_count} must be >= 1")
        if dimension_aggregation not in AGGREGATIONS:
            raise CselabError(
                f"{NAME}: dimension_aggregation={dimension_aggregation!r}; "
                f"choose one of {AGGREGATIONS}"
            )
        self.min_count = min_count
        self.first_occurrence_only = first_occurrence_only
        self.dimension_aggregation = dimension_aggregation
        self.reset()

    def reset(self) -> None:
        self.slot_of = torch.empty(0, dtype=torch.long)  # (max id + 1,) token id -> row, -1
        self.type_ids = torch.empty(0, dtype=torch.long)  # (types,) row -> token id
        # rows with spare capacity at the end; the properties below give the types' rows
        self._sums: torch.Tensor | None = None  # (capacity, d) float64
        self._used = torch.empty(0, dtype=torch.long)  # (capacity,)
        self._seen = torch.empty(0, dtype=torch.long)  # (capacity,)
        self.guard = SplitSentenceGuard()

    def _rows_for(self, token_ids: torch.Tensor, d: int) -> torch.Tensor:
        """Row of every token's type, adding rows for new types. (n,) long."""
        device = token_ids.device
        if self._sums is None:
            self._sums = torch.zeros(0, d, dtype=torch.float64, device=device)
            self.slot_of, self.type_ids = self.slot_of.to(device), self.type_ids.to(device)
            self._used, self._seen = self._used.to(device), self._seen.to(device)
        if int(token_ids.min()) < 0:
            raise CselabError(f"{NAME}: negative token id {int(token_ids.min())} in token_ids")
        top = int(token_ids.max()) + 1
        if top > len(self.slot_of):
            grow = torch.full((top - len(self.slot_of),), -1, dtype=torch.long, device=device)
            self.slot_of = torch.cat([self.slot_of, grow])
        new = torch.unique(token_ids[self.slot_of[token_ids] < 0])  # (k,)
        if len(new):
            start = len(self.type_ids)
            self.slot_of[new] = torch.arange(start, start + len(new), device=device)
            self.type_ids = torch.cat([self.type_ids, new])
            if len(self.type_ids) > len(self._sums):  # grow the rows geometrically
                extra = max(len(self.type_ids), 2 * len(self._sums)) - len(self._sums)
                self._sums = torch.cat([self._sums, self._sums.new_zeros(extra, d)])
                zeros = self._used.new_zeros(extra)
                self._used, self._seen = (
                    torch.cat([self._used, zeros]),
                    torch.cat([self._seen, zeros]),
                )
        return self.slot_of[token_ids]

    @property
    def sums(self) -> torch.Tensor | None:
        """(types, d) Σ û of the used occurrences of each type."""
        return None if self._sums is None else self._sums[: len(self.type_ids)]

    @property
    def used(self) -> torch.Tensor:
        """(types,) occurrences summed per type."""
        return self._used[: len(self.type_ids)]

    @property
    def seen(self) -> torch.Tensor:
        """(types,) occurrences seen per type (they count towards ``min_count``)."""
        return self._seen[: len(self.type_ids)]

    def update(self, batch: TokenBatch) -> None:
        dim = None if self.sums is None else self.sums.shape[1]
        units = checked_units(batch, NAME, dim)  # (n, d)
        if len(units) == 0:
            return
        self.guard.check(batch.sentence_ids, NAME)
        token_ids = batch.token_ids.long()
        rows = self._rows_for(token_ids, units.shape[1])  # (n,)
        assert self._sums is not None
        self._seen.index_add_(0, rows, torch.ones_like(rows))
        if self.first_occurrence_only:
            keep = batch.cached_ids(  # (n,)
                "first_occurrences",
                lambda: first_occurrences(token_ids, batch.sentence_ids.long()),
            )
            rows, units = rows[keep], units[keep]
        self._sums.index_add_(0, rows, units)
        self._used.index_add_(0, rows, torch.ones_like(rows))

    def _qualifying(self) -> torch.Tensor:
        """(types,) bool: seen ≥ min_count and at least 2 used occurrences."""
        if self.sums is None:
            require_tokens(0, NAME)
        mask = (self.seen >= self.min_count) & (self.used >= 2)
        if not bool(mask.any()):
            raise MetricUndefined(
                f"{NAME}: no token type has >= {self.min_count} occurrences "
                f"({int(self.seen.sum())} tokens of {len(self.seen)} types seen); "
                "use a larger corpus or a smaller min_count"
            )
        return mask

    def _values(self, mask: torch.Tensor) -> torch.Tensor:
        assert self.sums is not None
        s, c = self.sums[mask], self.used[mask].double()  # (m, d), (m,)
        return ((s * s).sum(1) - c) / (c * (c - 1))  # (m,)

    def per_token(self) -> dict[int, tuple[int, float]]:
        """token id -> (occurrences seen, self-similarity) for the qualifying types."""
        mask = self._qualifying()
        ids, counts = self.type_ids[mask].tolist(), self.seen[mask].tolist()
        return dict(zip(ids, zip(counts, self._values(mask).tolist(), strict=True), strict=True))

    def dimension_contributions(self) -> torch.Tensor:
        """(d,) shares of each dimension in the self-similarity computation (sum 1)."""
        mask = self._qualifying()
        assert self.sums is not None
        squared = self.sums[mask] ** 2  # (m, d)
        if self.dimension_aggregation == "pooled":
            return squared.sum(0) / squared.sum()
        return (squared / squared.sum(1, keepdim=True)).mean(0)

    def compute(self) -> dict[str, float]:
        mask = self._qualifying()
        values = self._values(mask)
        out = {"self_similarity": float(values.mean()), "self_similarity_types": float(len(values))}
        out.update(share_summary(self.dimension_contributions(), prefix=f"{NAME}_"))
        return out


def self_similarity(
    x: torch.Tensor,
    token_ids: torch.Tensor,
    sentence_ids: torch.Tensor | None = None,
    min_count: int = 5,
    first_occurrence_only: bool = False,
) -> dict[str, float]:
    """All-at-once twin of :class:`SelfSimilarity`: x (n, d), token_ids (n,), sentence_ids (n,)."""
    metric = SelfSimilarity(min_count, first_occurrence_only)
    batch = as_token_batch(x, sentence_ids)
    metric.update(TokenBatch(batch.embeddings, token_ids, batch.sentence_ids, batch.positions))
    return metric.compute()
