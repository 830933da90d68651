"""Running statistics of the geometry pipeline (one set per view, all layers stacked).

``STATISTICS`` names every statistic a metric spec can ask for; :func:`make_statistic`
builds one from the protocol (and, for the token sample, the rows the chosen metrics
read). See :mod:`cselab.geometry.statistics.base` for the update / merge / state contract.
"""

from __future__ import annotations

from cselab.geometry.protocols import Protocol
from cselab.geometry.statistics.base import Statistic
from cselab.geometry.statistics.intra import IntraSums
from cselab.geometry.statistics.moments import Moments
from cselab.geometry.statistics.samples import SentenceSample, TokenSample
from cselab.geometry.statistics.scatter import Scatter
from cselab.geometry.statistics.type_sums import TypeSums

#: statistic name -> what it holds (the docs and ``cselab geometry --help`` read this)
STATISTICS: dict[str, str] = {
    "moments": "n, Σ‖x‖, Σû, Σû² per layer",
    "scatter": "count, mean and centred scatter (Chan et al. merge) per layer",
    "type_sums": "per token type: occurrences seen / used and Σû (self-similarity)",
    "intra": "Σ over sentences of the intra-sentence similarity, and their number",
    "token_sample": "seeded bottom-k sample of tokens (keys global: exact merges)",
    "sentence_sample": "seeded bottom-k sample of sentences, one token each (the paper's baseline)",
}


def make_statistic(name: str, protocol: Protocol, sample_rows: int = 0) -> Statistic:
    """A fresh statistic ``name`` for ``protocol``; ``sample_rows``: the token sample's size."""
    if name == "moments":
        return Moments()
    if name == "scatter":
        return Scatter()
    if name == "type_sums":
        return TypeSums(protocol.first_occurrence_only, protocol.padding_in_self_similarity)
    if name == "intra":
        return IntraSums()
    if name == "token_sample":
        return TokenSample(sample_rows, protocol.seed)
    if name == "sentence_sample":
        return SentenceSample(protocol.anisotropy_sample_sentences, protocol.seed)
    raise KeyError(name)


__all__ = ["STATISTICS", "Statistic", "make_statistic"]
