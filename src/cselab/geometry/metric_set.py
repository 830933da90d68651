"""Which streaming metrics a protocol runs, built fresh for one layer.

A *family* is one metric class (it may return several numbers). Token-level families are
grouped by the token view they see: self-similarity may count padded positions (the
``xiao2023`` protocol), every other family sees the real tokens only. Sentence-level
families run on pooled sentence embeddings (self- and intra-sentence similarity have no
meaning there).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cselab.geometry.base import StreamingMetric
from cselab.geometry.protocols import Protocol


def _anisotropy(p: Protocol) -> StreamingMetric:
    from cselab.geometry.anisotropy import AnisotropyBaseline

    return AnisotropyBaseline(sample_sentences=p.anisotropy_sample_sentences, seed=p.seed)


def _self_similarity(p: Protocol) -> StreamingMetric:
    from cselab.geometry.self_similarity import SelfSimilarity

    return SelfSimilarity(
        min_count=p.self_similarity_min_count, first_occurrence_only=p.first_occurrence_only
    )


def _intra_sentence(p: Protocol) -> StreamingMetric:
    from cselab.geometry.intra_sentence import IntraSentenceSimilarity

    return IntraSentenceSimilarity()


def _norms(p: Protocol) -> StreamingMetric:
    from cselab.geometry.norms import MeanNorm

    return MeanNorm()


def _dimensions(p: Protocol) -> StreamingMetric:
    from cselab.geometry.dimensions import DimensionContributions

    return DimensionContributions()


def _informativity(p: Protocol) -> StreamingMetric:
    from cselab.geometry.informativity import Informativity

    return Informativity(n_samples=p.sample_size or 1000, seed=p.seed)


def _isoscore(p: Protocol) -> StreamingMetric:
    from cselab.geometry.isoscore import IsoScore

    return IsoScore()


def _spectrum(p: Protocol) -> StreamingMetric:
    from cselab.geometry.spectrum import Spectrum

    return Spectrum(partition_samples=p.sample_size or 2000, seed=p.seed)


def _uniformity(p: Protocol) -> StreamingMetric:
    from cselab.geometry.uniformity import Uniformity

    return Uniformity(n_samples=p.sample_size or 2000, seed=p.seed)


#: family name -> builder from a protocol (imports are lazy: a family costs nothing unused)
FACTORIES: dict[str, Callable[[Protocol], StreamingMetric]] = {
    "anisotropy": _anisotropy,
    "self_similarity": _self_similarity,
    "intra_sentence": _intra_sentence,
    "norms": _norms,
    "dimensions": _dimensions,
    "informativity": _informativity,
    "isoscore": _isoscore,
    "spectrum": _spectrum,
    "uniformity": _uniformity,
}
ALL_FAMILIES = tuple(FACTORIES)
SENTENCE_FAMILIES = tuple(f for f in ALL_FAMILIES if f not in ("self_similarity", "intra_sentence"))


@dataclass
class MetricGroup:
    """Metrics that share one token view (with or without padded positions)."""

    include_padding: bool
    metrics: dict[str, StreamingMetric]


def share_covariance(metrics: dict[str, StreamingMetric]) -> None:
    """Let IsoScore and Spectrum of one layer use one running covariance (added once per
    batch, eigen-decomposed once) instead of accumulating the same matrix twice."""
    from cselab.geometry.covariance import RunningCovariance
    from cselab.geometry.isoscore import IsoScore
    from cselab.geometry.spectrum import Spectrum

    iso, spectrum = metrics.get("isoscore"), metrics.get("spectrum")
    if isinstance(iso, IsoScore) and isinstance(spectrum, Spectrum):
        iso.cov = spectrum.cov = RunningCovariance(shared=True)


def share_sample(metrics: dict[str, StreamingMetric]) -> None:
    """Let informativity, uniformity and partition isotropy of one layer read one seeded
    reservoir sample (the largest they need; each takes its first rows, which are its own
    bottom-k sample) instead of keeping three samples of the same tokens."""
    from cselab.geometry.sampling import BottomKSample

    users = [
        metrics[name] for name in ("informativity", "uniformity", "spectrum") if name in metrics
    ]
    seeds = {getattr(m, "seed", None) for m in users}
    if len(users) < 2 or len(seeds) != 1:
        return
    shared = BottomKSample(max(m.sample.capacity for m in users), shared=True)  # type: ignore[attr-defined]
    for metric in users:
        metric.sample = shared  # type: ignore[attr-defined]


def build_token_metrics(protocol: Protocol, families: Sequence[str]) -> list[MetricGroup]:
    """Fresh token-level metrics for one layer, grouped by token view."""
    real = MetricGroup(False, {})
    padded = MetricGroup(protocol.padding_in_self_similarity, {})
    for family in families:
        group = padded if family == "self_similarity" else real
        group.metrics[family] = FACTORIES[family](protocol)
    share_covariance(real.metrics)
    share_sample(real.metrics)
    return [g for g in (real, padded) if g.metrics]


def build_sentence_metrics(
    protocol: Protocol, families: Sequence[str]
) -> dict[str, StreamingMetric]:
    """Fresh sentence-level metrics for one layer (pooled embeddings)."""
    metrics = {f: FACTORIES[f](protocol) for f in families if f in SENTENCE_FAMILIES}
    share_covariance(metrics)
    share_sample(metrics)
    return metrics
