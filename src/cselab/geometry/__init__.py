"""Embedding-space geometry (Xiao et al. 2023; Ethayarajh 2019; Timkey & van Schijndel 2021).

``METRICS`` maps a metric family name to its streaming class; :func:`make_metrics` builds a
fresh set (one set per layer).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

from cselab.errors import CselabError
from cselab.geometry.anisotropy import AnisotropyBaseline
from cselab.geometry.base import StreamingMetric
from cselab.geometry.dimensions import DimensionContributions
from cselab.geometry.informativity import Informativity
from cselab.geometry.intra_sentence import IntraSentenceSimilarity
from cselab.geometry.isoscore import IsoScore
from cselab.geometry.norms import MeanNorm
from cselab.geometry.self_similarity import SelfSimilarity
from cselab.geometry.spectrum import Spectrum
from cselab.geometry.uniformity import Uniformity

METRICS: dict[str, type] = {
    "anisotropy": AnisotropyBaseline,
    "self_similarity": SelfSimilarity,
    "intra_sentence": IntraSentenceSimilarity,
    "l2_norm": MeanNorm,
    "dimensions": DimensionContributions,
    "informativity": Informativity,
    "isoscore": IsoScore,
    "spectrum": Spectrum,
    "uniformity": Uniformity,
}


def make_metrics(
    names: Sequence[str] | None = None, **options: object
) -> dict[str, StreamingMetric]:
    """Fresh metric instances by name (all when ``names`` is None).

    Each option goes to every chosen class whose constructor takes it (e.g. ``seed=1``
    reaches the sampled metrics); an option no chosen class takes is an error.
    """
    chosen = list(METRICS) if names is None else list(names)
    unknown = [n for n in chosen if n not in METRICS]
    if unknown:
        raise CselabError(f"unknown metric(s) {unknown}; choose from {list(METRICS)}")
    metrics: dict[str, StreamingMetric] = {}
    used: set[str] = set()
    for name in chosen:
        accepted = inspect.signature(METRICS[name]).parameters
        kwargs = {k: v for k, v in options.items() if k in accepted}
        used |= set(kwargs)
        metrics[name] = METRICS[name](**kwargs)
    if unused := sorted(set(options) - used):
        raise CselabError(f"option(s) {unused} are taken by none of the metrics {chosen}")
    return metrics


__all__ = ["METRICS", "make_metrics"]
