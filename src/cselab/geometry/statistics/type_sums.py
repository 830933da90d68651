"""Per token type: occurrences seen, occurrences used, and the sum of their unit vectors.

Self-similarity (Ethayarajh 2019; Xiao et al. 2023) of a type w with used unit vectors
û_1..û_c and sum S_w is (‖S_w‖² − c)/(c(c−1)), so one sum vector and two counts per type
suffice (memory bounded by the types seen, never by the corpus). ``first_occurrence_only``
uses a type's first occurrence in each sentence (the paper's code); ``seen`` still counts
every occurrence (the paper's ``min_count`` counts ids in the padded ``input_ids``).

Padding (``count_padding``, the ``xiao2023`` protocol). The paper pads the corpus to its
longest sentence L and, with first occurrences, reads only the *first* pad position of a
sentence of length m < L, counting L − m pad occurrences. With an attention mask that
first pad's state does not depend on how much padding follows, so the pipeline runs each
sentence to m + 1 positions and hands over that pad's vector; here the pad vectors are
summed per sentence length m, and one layer's values fold in the lengths m < L once L
(the longest length seen) is known: exactly the paper's numbers, at no padding cost.
Everything merges by adding (types matched by id).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from cselab.errors import CselabError
from cselab.geometry.batch import ViewBatch, unit_rows
from cselab.geometry.statistics.base import cpu


@dataclass(frozen=True)
class LayerTypeSums:
    """One layer's per-type values, types in ascending id order."""

    type_ids: torch.Tensor  # (T,)
    seen: torch.Tensor  # (T,) occurrences counted
    used: torch.Tensor  # (T,) occurrences summed
    sums: torch.Tensor | None  # (T, d) float64 Σ û over the used occurrences


BLOCK_TYPES = 1024  # types per storage block of the float64 sums


class TypeSums:
    """Per-type counts and unit-vector sums for L layers. The float64 sums are kept in
    blocks of ``BLOCK_TYPES`` types, (BLOCK_TYPES, L, d) each (a type's L·d sums are
    contiguous: a batch's rows are gathered and added in whole rows), added as new types
    arrive (no copy of the sums seen so far when the vocabulary grows)."""

    def __init__(self, first_occurrence_only: bool = False, count_padding: bool = False) -> None:
        self.first_occurrence_only = first_occurrence_only
        self.count_padding = count_padding
        self.reads = ("first_types",) if first_occurrence_only else ("types",)  # batch sums
        self._known = torch.empty(0, dtype=torch.long)  # (T,) the ids seen, ascending
        self._known_rows = torch.empty(0, dtype=torch.long)  # (T,) their rows
        self.type_ids = torch.empty(0, dtype=torch.long)  # (T,) row -> id
        self._blocks: list[torch.Tensor] = []  # (BLOCK_TYPES, L, d) float64 each
        self._shape: tuple[int, int] | None = None  # (L, d) once the first rows arrive
        self._seen = torch.empty(0, dtype=torch.long)  # (capacity,)
        self._used = torch.empty(0, dtype=torch.long)  # (capacity,)
        self.pad_token_id: int | None = None
        self.length_counts = torch.zeros(0, dtype=torch.long)  # (B,) sentences per length
        self.pad_rows = torch.zeros(0, dtype=torch.long)  # (B,) first pads per length
        self.pad_sums: torch.Tensor | None = None  # (L, B, d) Σ û of the first pads

    # ---------------------------------------------------------------- updating
    def _rows_for(self, token_ids: torch.Tensor, layers: int, d: int) -> torch.Tensor:
        """Row of every id's type, adding rows for new types. (n,) long. Ids are looked up
        in the sorted ids seen so far (memory by the types seen, whatever the ids' range)."""
        device = token_ids.device
        if self._shape is None:
            self._shape = (layers, d)
            self.type_ids = self.type_ids.to(device)
            self._known, self._known_rows = self._known.to(device), self._known_rows.to(device)
            self._seen, self._used = self._seen.to(device), self._used.to(device)
        if len(token_ids) and int(token_ids.min()) < 0:
            raise CselabError(
                f"self_similarity: negative token id {int(token_ids.min())} in token_ids"
            )
        new = torch.unique(token_ids[~self._is_known(token_ids)])  # (k,) ascending
        if len(new):
            start = len(self.type_ids)
            self.type_ids = torch.cat([self.type_ids, new])
            known = torch.cat([self._known, new])
            rows = torch.cat(
                [self._known_rows, torch.arange(start, start + len(new), device=device)]
            )
            order = torch.argsort(known)
            self._known, self._known_rows = known[order], rows[order]
            self._grow(len(self.type_ids), device)
        return self._known_rows[torch.searchsorted(self._known, token_ids)]

    def _is_known(self, token_ids: torch.Tensor) -> torch.Tensor:
        """(n,) bool: the id has a row."""
        if not len(self._known):
            return torch.zeros_like(token_ids, dtype=torch.bool)
        at = torch.searchsorted(self._known, token_ids).clamp_max(len(self._known) - 1)
        return self._known[at] == token_ids

    def _grow(self, rows: int, device: torch.device) -> None:
        """Room for ``rows`` types: sum blocks added, counts grown geometrically."""
        assert self._shape is not None
        layers, d = self._shape
        while len(self._blocks) * BLOCK_TYPES < rows:
            self._blocks.append(
                torch.zeros(BLOCK_TYPES, layers, d, dtype=torch.float64, device=device)
            )
        if rows > len(self._seen):
            zeros = self._used.new_zeros(max(rows, 2 * len(self._seen)) - len(self._seen))
            self._used = torch.cat([self._used, zeros])
            self._seen = torch.cat([self._seen, zeros])

    def _add_rows(self, rows: torch.Tensor, values: torch.Tensor) -> None:
        """Add ``values`` (k, L, d) float64 to the sums of rows (k,): rows sorted, then one
        ``index_add_`` per block touched, on its slice of them."""
        block = torch.div(rows, BLOCK_TYPES, rounding_mode="floor")  # (k,)
        first, last = int(block.min()), int(block.max())
        if first == last:
            self._blocks[first].index_add_(0, rows - first * BLOCK_TYPES, values)
            return
        order = torch.argsort(rows)
        rows, block, values = rows[order], block[order], values.index_select(0, order)
        touched, counts = torch.unique_consecutive(block, return_counts=True)
        start = 0
        for b, count in zip(touched.tolist(), counts.tolist(), strict=True):
            end = start + count
            self._blocks[b].index_add_(0, rows[start:end] - b * BLOCK_TYPES, values[start:end])
            start = end

    def _add_types(self, ids, seen, used, sums) -> None:
        """Add the counts (k,) and sums (k, L, d) of types ``ids`` (k,)."""
        rows = self._rows_for(ids.to(sums.device), sums.shape[1], sums.shape[2])
        self._add_rows(rows, sums.to(self._blocks[0].device, torch.float64))
        self._seen.index_add_(0, rows, seen.to(rows.device))
        self._used.index_add_(0, rows, used.to(rows.device))

    def _stacked_sums(self, t: int) -> torch.Tensor:
        """(t, L, d) float64 sums of the first t types."""
        return torch.cat(self._blocks)[:t]

    def update(self, batch: ViewBatch) -> None:
        if self.count_padding:
            self._add_padding(batch)
        if not len(batch):
            return
        sums = batch.sums(self.reads)
        assert sums.type_ids is not None and sums.type_unit_sums is not None
        rows = self._rows_for(sums.type_ids, batch.n_layers, int(batch.vectors.shape[2]))  # (k,)
        self._seen.index_add_(0, rows, sums.type_seen)
        self._used.index_add_(0, rows, sums.type_used)
        # (L, k, d) -> (k, L, d) float64 in one copy: whole rows per type for the blocks
        values = sums.type_unit_sums.transpose(0, 1)
        self._add_rows(rows, values.to(torch.float64, memory_format=torch.contiguous_format))

    def _add_padding(self, batch: ViewBatch) -> None:
        if batch.sentence_lengths is None:
            return
        self.pad_token_id = batch.pad_token_id
        lengths = batch.sentence_lengths.long().cpu()
        self._grow_lengths(int(lengths.max()) + 1 if len(lengths) else 0)
        self.length_counts += torch.bincount(lengths, minlength=len(self.length_counts))
        if batch.pad_vectors is None or batch.pad_lengths is None or not len(batch.pad_lengths):
            return
        pads = unit_rows(batch.pad_vectors.detach().to(torch.float64), batch.label)  # (L, p, d)
        where = batch.pad_lengths.long()
        if self.pad_sums is None:
            self.pad_sums = pads.new_zeros(pads.shape[0], len(self.length_counts), pads.shape[2])
        self._grow_lengths(len(self.length_counts))
        self.pad_sums.index_add_(1, where.to(pads.device), pads)
        self.pad_rows += torch.bincount(where.cpu(), minlength=len(self.pad_rows))

    def _grow_lengths(self, size: int) -> None:
        extra = size - len(self.length_counts)
        if extra > 0:
            self.length_counts = torch.cat(
                [self.length_counts, torch.zeros(extra, dtype=torch.long)]
            )
        extra = len(self.length_counts) - len(self.pad_rows)
        if extra > 0:
            self.pad_rows = torch.cat([self.pad_rows, torch.zeros(extra, dtype=torch.long)])
        if self.pad_sums is not None and self.pad_sums.shape[1] < len(self.length_counts):
            extra = len(self.length_counts) - self.pad_sums.shape[1]
            zeros = self.pad_sums.new_zeros(self.pad_sums.shape[0], extra, self.pad_sums.shape[2])
            self.pad_sums = torch.cat([self.pad_sums, zeros], 1)

    # ----------------------------------------------------------------- merging
    def merge(self, other: TypeSums) -> None:
        if other._blocks and len(other.type_ids):
            t = len(other.type_ids)
            self._add_types(
                other.type_ids, other._seen[:t], other._used[:t], other._stacked_sums(t)
            )
        if len(other.length_counts):
            self.pad_token_id = other.pad_token_id
            self._grow_lengths(len(other.length_counts))
            size = len(other.length_counts)
            self.length_counts[:size] += other.length_counts
            self.pad_rows[: len(other.pad_rows)] += other.pad_rows
            if other.pad_sums is not None:
                if self.pad_sums is None:
                    self.pad_sums = other.pad_sums.new_zeros(
                        other.pad_sums.shape[0], len(self.length_counts), other.pad_sums.shape[2]
                    )
                self.pad_sums[:, : other.pad_sums.shape[1]] += other.pad_sums.to(
                    self.pad_sums.device
                )

    def state_dict(self) -> dict[str, Any]:
        t = len(self.type_ids)
        return cpu({
            "type_ids": self.type_ids, "seen": self._seen[:t], "used": self._used[:t],
            "sums": self._stacked_sums(t).transpose(0, 1).contiguous() if self._blocks else None,
            "pad_token_id": self.pad_token_id, "length_counts": self.length_counts,
            "pad_rows": self.pad_rows, "pad_sums": self.pad_sums,
        })  # fmt: skip

    def load_state_dict(self, state: dict[str, Any]) -> None:
        fresh = TypeSums(self.first_occurrence_only, self.count_padding)
        self.__dict__.update(fresh.__dict__)
        if state["sums"] is not None:
            sums = state["sums"].transpose(0, 1)  # saved (L, T, d)
            self._add_types(state["type_ids"], state["seen"], state["used"], sums)
        self.pad_token_id = state["pad_token_id"]
        self.length_counts, self.pad_rows = state["length_counts"], state["pad_rows"]
        self.pad_sums = state["pad_sums"]

    # ---------------------------------------------------------------- reading
    def at(self, layer: int) -> LayerTypeSums:
        t = len(self.type_ids)
        if not self._blocks:
            empty = torch.empty(0, dtype=torch.long)
            return LayerTypeSums(empty, empty, empty, None)
        ids, seen, used = self.type_ids, self._seen[:t].clone(), self._used[:t].clone()
        sums = torch.cat([block[:, layer] for block in self._blocks])[:t]  # (T, d)
        if self.count_padding and int(self.length_counts.sum()):
            ids, seen, used, sums = self._with_padding(layer, ids, seen, used, sums)
        order = torch.argsort(ids)
        return LayerTypeSums(ids[order], seen[order], used[order], sums[order])

    def _with_padding(self, layer: int, ids, seen, used, sums):
        """Fold in the first pads of the sentences shorter than the longest (length L)."""
        lengths = torch.arange(len(self.length_counts))
        longest = int(lengths[self.length_counts > 0].max())
        pad_seen = int((self.length_counts * (longest - lengths)).sum())
        if pad_seen == 0 or self.pad_token_id is None:
            return ids, seen, used, sums
        pad_used = int(self.pad_rows[:longest].sum())
        pad_sum = sums.new_zeros(sums.shape[1])
        if self.pad_sums is not None:
            pad_sum = self.pad_sums[layer, :longest].sum(0).to(sums.device)
        hit = (ids == self.pad_token_id).nonzero()
        if len(hit):
            row = int(hit[0, 0])
        else:
            row = len(ids)
            ids = torch.cat([ids, ids.new_tensor([self.pad_token_id])])
            seen, used = torch.cat([seen, seen.new_zeros(1)]), torch.cat([used, used.new_zeros(1)])
            sums = torch.cat([sums, sums.new_zeros(1, sums.shape[1])])
        seen[row] += pad_seen
        used[row] += pad_used
        sums[row] += pad_sum
        return ids, seen, used, sums
