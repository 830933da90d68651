"""Intra-sentence similarity: how similar the tokens of one sentence are to each other.

Ethayarajh (2019); Xiao et al. (2023, section 2, Figs 3 and 7, and their code). For a
sentence with token vectors x_1..x_m and mean vector x̄ = (1/m) Σ x_t (mean of the raw
vectors),

    intra(s) = (1/m) Σ_t cos(x_t, x̄) = (Σ_t x̂_t) · x̄ / (m ‖x̄‖),

and the layer's value is the mean of intra(s) over sentences (statistic ``intra``).
Sentences with a single token count (value 1), as in the paper's code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cselab.arrays import as_tensor
from cselab.geometry.protocols import Protocol
from cselab.geometry.spec import MetricSpec, Output
from cselab.geometry.validation import checked_vectors, require_tokens, sentence_runs, unit_rows

NAME = "intra_sentence"


def intra_sentence_similarity(x, sentence_ids) -> float:
    """All-at-once twin: x (n, d), contiguous sentence_ids (n,)."""
    x = checked_vectors(x, NAME, sentence_ids=sentence_ids)
    require_tokens(len(x), NAME)
    inverse, counts = sentence_runs(as_tensor(sentence_ids), NAME)
    x = x.double()
    sums = x.new_zeros(len(counts), x.shape[1]).index_add_(0, inverse, x)  # (s, d)
    mean_dir = unit_rows(sums, f"{NAME} (sentence mean vector)")  # x̄/‖x̄‖ (s, d)
    cosines = (unit_rows(x, NAME) * mean_dir[inverse]).sum(1)  # (n,) cos(x_t, x̄)
    per_sentence = cosines.new_zeros(len(counts)).index_add_(0, inverse, cosines) / counts
    return float(per_sentence.mean())


def compute(stats: Mapping[str, Any], protocol: Protocol) -> dict[str, float]:
    intra = stats["intra"]
    require_tokens(intra.sentences, NAME)
    return {"intra_sentence_similarity": intra.total / intra.sentences}


SPEC = MetricSpec(
    name=NAME,
    statistics=("intra",),
    compute=compute,
    levels=("token",),
    summary="mean cosine of a sentence's tokens to their mean",
    outputs=(
        Output("intra_sentence_similarity", "intra-sentence similarity (raw)",
               "contextualization", "Xiao et al. 2023, Fig. 3"),
        Output("intra_sentence_similarity_adjusted", "intra-sentence similarity − anisotropy",
               "contextualization", "Xiao et al. 2023, Fig. 7", derived=True),
    ),
)  # fmt: skip
