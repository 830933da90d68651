"""Anisotropy: the expected cosine between two random token embeddings.

Xiao et al. (2023, eq. 1, Fig. 4) and Ethayarajh (2019) use it as the baseline that self-
and intra-sentence similarity are adjusted by. Two estimates:

- ``anisotropy`` (exact): the mean cosine over all ordered token pairs i≠j. With unit
  vectors û and S = Σ û, Σ_{i≠j} ûᵢ·û_j = ‖S‖² − n, so the mean is (‖S‖² − n)/(n(n−1)),
  O(N·d) with one running sum vector (statistic ``moments``).
- ``anisotropy_sampled`` (the paper's baseline): up to ``anisotropy_sample_sentences``
  sentences drawn uniformly, one uniformly random token from each, mean off-diagonal
  cosine of those vectors (statistic ``sentence_sample``; seeded, batching-independent).

``anisotropy_baseline`` (the one the protocol subtracts) is added by the pipeline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch

from cselab.geometry.protocols import Protocol
from cselab.geometry.spec import MetricSpec, Output
from cselab.geometry.statistics.samples import one_token_per_sentence
from cselab.geometry.validation import checked_vectors, require_tokens, sentence_runs, unit_rows

NAME = "anisotropy"


def mean_offdiagonal_cosine(units: torch.Tensor) -> float:
    """Mean cosine over ordered pairs i≠j of unit rows (n, d): (‖Σu‖² − n)/(n(n−1))."""
    n = units.shape[0]
    total = units.sum(dim=0)  # (d,)
    return float((total @ total - n) / (n * (n - 1)))


def anisotropy_all_pairs(x) -> float:
    """Exact mean cosine over all token pairs i≠j of x (n, d)."""
    x = checked_vectors(x, NAME)
    require_tokens(len(x), NAME, needed=2)
    return mean_offdiagonal_cosine(unit_rows(x, NAME))


def anisotropy_sampled(x, sentence_ids, n_sentences: int = 1000, seed: int = 0) -> float:
    """The paper's baseline on all vectors at once: x (n, d), contiguous sentence_ids (n,)."""
    from cselab.arrays import as_tensor

    x = checked_vectors(x, NAME, sentence_ids=sentence_ids)
    require_tokens(len(x), NAME)
    sentence_ids = as_tensor(sentence_ids)
    chosen, keys = one_token_per_sentence(sentence_ids, sentence_runs(sentence_ids, NAME), seed)
    keep = torch.argsort(keys)[:n_sentences]
    require_tokens(len(keep), NAME, needed=2, what="sentences")
    return mean_offdiagonal_cosine(unit_rows(x[chosen[keep.to(chosen.device)]], NAME))


def compute(stats: Mapping[str, Any], protocol: Protocol) -> dict[str, float]:
    moments, sample = stats["moments"], stats["sentence_sample"]
    require_tokens(moments.n, NAME, needed=2)
    s, n = moments.unit_sum, moments.n
    sentences = 0 if sample.rows is None else len(sample.rows)
    return {  # one sentence: the exact value is defined, the sampled one (NaN: skipped) not
        "anisotropy": float((s @ s - n) / (n * (n - 1))),
        "anisotropy_sampled": mean_offdiagonal_cosine(sample.rows) if sentences >= 2 else math.nan,
    }


SPEC = MetricSpec(
    name=NAME,
    statistics=("moments", "sentence_sample"),
    compute=compute,
    knobs=("anisotropy_sample_sentences", "seed", "baseline"),
    summary="mean cosine of token pairs: exact (all pairs) and the paper's sampled baseline",
    outputs=(
        Output("anisotropy", "anisotropy (exact, all pairs)", "isotropy", "Xiao et al. 2023, Fig. 4"),
        Output("anisotropy_sampled", "anisotropy (1 token from each of 1,000 sentences)",
               "isotropy", "Xiao et al. 2023, Fig. 4"),
        Output("anisotropy_baseline", "anisotropy baseline (the protocol's)", "isotropy",
               "Xiao et al. 2023, Fig. 4", derived=True),
    ),
)  # fmt: skip
