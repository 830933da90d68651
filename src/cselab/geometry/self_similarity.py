"""Self-similarity: how similar a token type is to itself in different contexts.

Ethayarajh (2019); Xiao et al. (2023, section 2, Figs 2 and 6). For a type w with
occurrence vectors u_1..u_c (unit-normalised) and sum S_w = Σ û, the mean pairwise cosine
over i≠j is

    ss(w) = (‖S_w‖² − c) / (c(c−1)),

so one running sum vector and one count per type suffice (statistic ``type_sums``). A
type enters the average if it was seen at least ``self_similarity_min_count`` times (and
has ≥ 2 used occurrences); the layer's value is the mean over those types.
``first_occurrence_only`` uses only a type's first occurrence in each sentence (the
paper's code); the count still counts every occurrence seen.

Dimension shares of self-similarity (the paper's Table 1, its code's
``identifying_rogue_dimensions``): per type, the full cosine matrix of its occurrences
(diagonal included) sums to ‖S_w‖², of which dimension i is S_{w,i}²; the type's share
vector is S_{w,i}² / ‖S_w‖². The paper's code stops at per-type vectors; we average them
over the qualifying types (``dimension_aggregation="mean"``, each type weighted like in
the self-similarity mean) or pool them (``"pooled"``: Σ_w S_{w,i}² / Σ_w ‖S_w‖²).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from cselab.arrays import as_tensor
from cselab.geometry.batch import ViewBatch
from cselab.geometry.batch_sums import first_occurrences
from cselab.geometry.dimensions import share_summary
from cselab.geometry.protocols import Protocol
from cselab.geometry.spec import MetricSpec, Output
from cselab.geometry.statistics.type_sums import LayerTypeSums, TypeSums
from cselab.geometry.validation import MetricUndefined, checked_vectors, require_tokens

NAME = "self_similarity"


def qualifying(types: LayerTypeSums, min_count: int) -> torch.Tensor:
    """(T,) bool: types seen ≥ ``min_count`` times with at least 2 used occurrences."""
    if types.sums is None:
        require_tokens(0, NAME)
    mask = (types.seen >= min_count) & (types.used >= 2)
    if not bool(mask.any()):
        raise MetricUndefined(
            f"{NAME}: no token type has >= {min_count} occurrences "
            f"({int(types.seen.sum())} tokens of {len(types.seen)} types seen); "
            "use a larger corpus or a smaller min_count"
        )
    return mask


def type_values(types: LayerTypeSums, mask: torch.Tensor) -> torch.Tensor:
    """(m,) self-similarity of the types in ``mask``."""
    assert types.sums is not None
    s, c = types.sums[mask], types.used[mask].double()  # (m, d), (m,)
    return ((s * s).sum(1) - c) / (c * (c - 1))


def dimension_shares(types: LayerTypeSums, protocol: Protocol) -> torch.Tensor:
    """(d,) shares of each dimension in the self-similarity computation (sum 1)."""
    mask = qualifying(types, protocol.self_similarity_min_count)
    assert types.sums is not None
    squared = types.sums[mask] ** 2  # (m, d)
    if protocol.dimension_aggregation == "pooled":
        return squared.sum(0) / squared.sum()
    return (squared / squared.sum(1, keepdim=True)).mean(0)


def per_token(stats: Mapping[str, Any], protocol: Protocol) -> dict[int, tuple[int, float]]:
    """token id -> (occurrences seen, self-similarity) for the qualifying types."""
    types = stats["type_sums"]
    mask = qualifying(types, protocol.self_similarity_min_count)
    ids, counts = types.type_ids[mask].tolist(), types.seen[mask].tolist()
    values = type_values(types, mask).tolist()
    return dict(zip(ids, zip(counts, values, strict=True), strict=True))


def compute(stats: Mapping[str, Any], protocol: Protocol) -> dict[str, float]:
    types = stats["type_sums"]
    values = type_values(types, qualifying(types, protocol.self_similarity_min_count))
    out = {"self_similarity": float(values.mean()), "self_similarity_types": float(len(values))}
    out.update(share_summary(dimension_shares(types, protocol), prefix=f"{NAME}_"))
    return out


def self_similarity(
    x, token_ids, sentence_ids=None, min_count: int = 5, first_occurrence_only: bool = False
) -> dict[str, float]:
    """All-at-once twin: x (n, d), token_ids (n,), sentence_ids (n,) (default: one sentence
    per token)."""
    x = checked_vectors(x, NAME, token_ids=token_ids, sentence_ids=sentence_ids)
    token_ids = as_tensor(token_ids)
    sentence_ids = torch.arange(len(x)) if sentence_ids is None else as_tensor(sentence_ids)
    sums = TypeSums(first_occurrence_only)
    sums.update(ViewBatch(x[None], token_ids, sentence_ids, label=NAME))
    protocol = Protocol(self_similarity_min_count=min_count)
    return compute({"type_sums": sums.at(0)}, protocol)


SPEC = MetricSpec(
    name=NAME,
    statistics=("type_sums",),
    compute=compute,
    details=per_token,
    levels=("token",),
    knobs=("self_similarity_min_count", "first_occurrence_only", "padding_in_self_similarity",
           "dimension_aggregation"),
    summary="mean cosine between the occurrences of a token type, averaged over types",
    outputs=(
        Output("self_similarity", "self-similarity (raw)", "contextualization",
               "Xiao et al. 2023, Fig. 2"),
        Output("self_similarity_adjusted", "self-similarity − anisotropy", "contextualization",
               "Xiao et al. 2023, Fig. 6", derived=True),
        Output("self_similarity_types", "token types averaged", "contextualization"),
        Output("self_similarity_top{k}_share", "share of self-similarity in the top {k} dimensions",
               "rogue dimensions", "Xiao et al. 2023, Table 1", table_row=True),
        Output("self_similarity_dims_for_{k}pct", "dimensions for {k} % of self-similarity",
               "rogue dimensions", "Xiao et al. 2023, Table 1", table_row=True),
    ),
)  # fmt: skip

__all__ = ["SPEC", "first_occurrences", "per_token", "self_similarity"]
