"""Alignment and uniformity of Wang & Isola (2020), on L2-normalised vectors x̂:

    uniformity(x; t) = log mean_{i<j} exp(−t ‖x̂_i − x̂_j‖²)       (lower = more uniform)
    alignment(x, y; α) = mean_i ‖x̂_i − ŷ_i‖^α                     (pairs (x_i, y_i))

The pipeline computes it on a seeded token sample of ``n_samples`` vectors (exact when
the layer has no more vectors than that); the log-mean-exp is computed with logsumexp.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch

from cselab.errors import CselabError
from cselab.geometry.protocols import Protocol
from cselab.geometry.spec import MetricSpec, Output
from cselab.geometry.threads import threads_for_products
from cselab.geometry.validation import checked_vectors, require_tokens, unit_rows

NAME = "uniformity"


def _log_sum_exp_pairs(units: torch.Tensor, t: float, block: int = 512) -> float:
    """log Σ_{i≠j} exp(2t(⟨x̂_i, x̂_j⟩ − 1)) over ordered pairs of unit rows (n, d), by row
    blocks against the rows from the block on (the Gram matrix is symmetric: each pair
    i < j in different blocks is computed once and counted twice)."""
    n = len(units)
    parts = []  # log-sum-exp of each block's share of the ordered pairs
    for start in range(0, n, block):
        stop = min(start + block, n)
        with threads_for_products():
            logits = units[start:stop] @ units[start:].T  # (b, n − start)
        logits.sub_(1).mul_(2 * t)
        within = logits[:, : stop - start].fill_diagonal_(-math.inf)  # pairs in the block
        parts.append(torch.logsumexp(within.flatten(), 0).double())
        if stop < n:
            later = torch.logsumexp(logits[:, stop - start :].flatten(), 0).double()
            parts.append(later + math.log(2))
    return float(torch.logsumexp(torch.stack(parts), 0))


def uniformity(x: torch.Tensor, t: float = 2.0, precision: torch.dtype = torch.float64) -> float:
    """log mean over pairs i<j of exp(−t‖x̂_i − x̂_j‖²), x (n, d); for unit vectors
    ‖x̂_i − x̂_j‖² = 2 − 2⟨x̂_i, x̂_j⟩, and the mean over i<j equals the mean over ordered
    pairs i≠j. The products and log-sum-exps run in ``precision`` (float32 for a float32
    model's vectors)."""
    x = checked_vectors(x, NAME)
    require_tokens(len(x), NAME, needed=2)
    units = unit_rows(x, NAME).to(precision)  # (n, d)
    n = len(units)
    return _log_sum_exp_pairs(units, t) - math.log(n * (n - 1))


def alignment(x: torch.Tensor, y: torch.Tensor, alpha: float = 2.0) -> float:
    """mean_i ‖x̂_i − ŷ_i‖^α over paired rows of x (n, d) and y (n, d)."""
    if x.shape != y.shape:
        raise CselabError(
            f"alignment: x of shape {tuple(x.shape)} and y of shape {tuple(y.shape)} differ"
        )
    xs = unit_rows(checked_vectors(x, "alignment (x)"), "alignment (x)")
    ys = unit_rows(checked_vectors(y, "alignment (y)"), "alignment (y)")
    require_tokens(len(xs), "alignment", what="pairs")
    return float((xs - ys).norm(dim=1).pow(alpha).mean())


def sample_rows(protocol: Protocol) -> int:
    return protocol.sample_size or 2000


def compute(stats: Mapping[str, Any], protocol: Protocol) -> dict[str, float]:
    sample = stats["token_sample"]
    require_tokens(0 if sample.rows is None else len(sample.rows), NAME, needed=2)
    rows = sample.rows[: sample_rows(protocol)]
    return {"uniformity": uniformity(rows, protocol.uniformity_t, sample.precision)}


SPEC = MetricSpec(
    name=NAME,
    statistics=("token_sample",),
    compute=compute,
    sample_rows=sample_rows,
    knobs=("sample_size", "seed", "uniformity_t"),
    summary="uniformity (Wang & Isola 2020) on a seeded token sample",
    outputs=(Output("uniformity", "uniformity (Wang & Isola 2020; lower = more uniform)",
                    "isotropy"),),
)  # fmt: skip
