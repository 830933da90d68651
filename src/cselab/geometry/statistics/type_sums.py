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


def first_occurrences(token_ids: torch.Tensor, sentence_ids: torch.Tensor) -> torch.Tensor:
    """(n,) bool: True at the first occurrence of each token id within each sentence."""
    n = len(token_ids)
    key = sentence_ids * (int(token_ids.max()) + 1) + token_ids  # (n,) unique per pair
    _, inverse = torch.unique(key, return_inverse=True)
    order = torch.arange(n, device=token_ids.device)
    first = torch.full((int(inverse.max()) + 1,), n, device=token_ids.device, dtype=torch.long)
    first = first.scatter_reduce(0, inverse, order, reduce="amin")  # (types in batch,)
    return first[inverse] == order


@dataclass(frozen=True)
class LayerTypeSums:
    """One layer's per-type values, types in ascending id order."""

    type_ids: torch.Tensor  # (T,)
    seen: torch.Tensor  # (T,) occurrences counted
    used: torch.Tensor  # (T,) occurrences summed
    sums: torch.Tensor | None  # (T, d) float64 Σ û over the used occurrences


class TypeSums:
    """Per-type counts and unit-vector sums for L layers (rows grow geometrically)."""

    def __init__(self, first_occurrence_only: bool = False, count_padding: bool = False) -> None:
        self.first_occurrence_only = first_occurrence_only
        self.count_padding = count_padding
        self.slot_of = torch.empty(0, dtype=torch.long)  # (max id + 1,) id -> row, -1
        self.type_ids = torch.empty(0, dtype=torch.long)  # (T,) row -> id
        self._sums: torch.Tensor | None = None  # (L, capacity, d)
        self._seen = torch.empty(0, dtype=torch.long)  # (capacity,)
        self._used = torch.empty(0, dtype=torch.long)  # (capacity,)
        self.pad_token_id: int | None = None
        self.length_counts = torch.zeros(0, dtype=torch.long)  # (B,) sentences per length
        self.pad_rows = torch.zeros(0, dtype=torch.long)  # (B,) first pads per length
        self.pad_sums: torch.Tensor | None = None  # (L, B, d) Σ û of the first pads

    # ---------------------------------------------------------------- updating
    def _rows_for(self, token_ids: torch.Tensor, layers: int, d: int) -> torch.Tensor:
        """Row of every id's type, adding rows for new types. (n,) long."""
        device = token_ids.device
        if self._sums is None:
            self._sums = torch.zeros(layers, 0, d, dtype=torch.float64, device=device)
            self.slot_of, self.type_ids = self.slot_of.to(device), self.type_ids.to(device)
            self._seen, self._used = self._seen.to(device), self._used.to(device)
        if len(token_ids) and int(token_ids.min()) < 0:
            raise CselabError(
                f"self_similarity: negative token id {int(token_ids.min())} in token_ids"
            )
        top = int(token_ids.max()) + 1 if len(token_ids) else 0
        if top > len(self.slot_of):
            grow = torch.full((top - len(self.slot_of),), -1, dtype=torch.long, device=device)
            self.slot_of = torch.cat([self.slot_of, grow])
        new = torch.unique(token_ids[self.slot_of[token_ids] < 0])  # (k,)
        if len(new):
            start = len(self.type_ids)
            self.slot_of[new] = torch.arange(start, start + len(new), device=device)
            self.type_ids = torch.cat([self.type_ids, new])
            capacity = self._sums.shape[1]
            if len(self.type_ids) > capacity:  # grow the rows geometrically
                extra = max(len(self.type_ids), 2 * capacity) - capacity
                self._sums = torch.cat([self._sums, self._sums.new_zeros(layers, extra, d)], 1)
                zeros = self._used.new_zeros(extra)
                self._used = torch.cat([self._used, zeros])
                self._seen = torch.cat([self._seen, zeros])
        return self.slot_of[token_ids]

    def update(self, batch: ViewBatch) -> None:
        if self.count_padding:
            self._add_padding(batch)
        if not len(batch):
            return
        units = batch.units()  # (L, n, d)
        token_ids = batch.token_ids.long()
        rows = self._rows_for(token_ids, units.shape[0], units.shape[2])  # (n,)
        self._seen.index_add_(0, rows, torch.ones_like(rows))
        if self.first_occurrence_only:
            keep = batch.derived(
                "first_occurrences",
                lambda: first_occurrences(token_ids, batch.sentence_ids.long()),
            )  # (n,)
            rows, units = rows[keep], units[:, keep]
        assert self._sums is not None
        present, inverse = torch.unique(rows, return_inverse=True)  # the batch's types
        local = units.new_zeros(units.shape[0], len(present), units.shape[2])
        local.index_add_(1, inverse, units)  # (L, k, d) in the model's precision
        self._sums.index_add_(1, present, local.to(torch.float64))
        self._used.index_add_(0, rows, torch.ones_like(rows))

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
        if other._sums is not None and len(other.type_ids):
            t = len(other.type_ids)
            theirs = other._sums[:, :t]
            rows = self._rows_for(
                other.type_ids.to(theirs.device), theirs.shape[0], theirs.shape[2]
            )
            assert self._sums is not None
            self._sums.index_add_(1, rows, theirs.to(self._sums.device))
            self._seen.index_add_(0, rows, other._seen[:t].to(rows.device))
            self._used.index_add_(0, rows, other._used[:t].to(rows.device))
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
            "sums": None if self._sums is None else self._sums[:, :t],
            "pad_token_id": self.pad_token_id, "length_counts": self.length_counts,
            "pad_rows": self.pad_rows, "pad_sums": self.pad_sums,
        })  # fmt: skip

    def load_state_dict(self, state: dict[str, Any]) -> None:
        fresh = TypeSums(self.first_occurrence_only, self.count_padding)
        self.__dict__.update(fresh.__dict__)
        if state["sums"] is not None:
            loaded = TypeSums()
            loaded.type_ids, loaded._seen, loaded._used = (
                state["type_ids"],
                state["seen"],
                state["used"],
            )
            loaded._sums = state["sums"]
            self.merge(loaded)
        self.pad_token_id = state["pad_token_id"]
        self.length_counts, self.pad_rows = state["length_counts"], state["pad_rows"]
        self.pad_sums = state["pad_sums"]

    # ---------------------------------------------------------------- reading
    def at(self, layer: int) -> LayerTypeSums:
        t = len(self.type_ids)
        if self._sums is None:
            empty = torch.empty(0, dtype=torch.long)
            return LayerTypeSums(empty, empty, empty, None)
        ids, seen, used = self.type_ids, self._seen[:t].clone(), self._used[:t].clone()
        sums = self._sums[layer, :t].clone()  # (T, d)
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
