"""Vanilla vs fine-tuned: geometry of both models and the self-similarity change per token.

``compare_models`` measures two models on the same corpus and protocol and ``compare_pair``
computes SSC (Xiao et al. 2023, eq. 10) at one layer over the top-n frequent tokens;
``compare_pairs`` adds the Pearson correlation of two pairs' SSCs as a function of n and
its argmax (section 3.1, appendix E).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from cselab.data.corpora import sentences_and_name
from cselab.errors import CselabError
from cselab.geometry.analysis import GeometryResult, analyze_geometry
from cselab.geometry.frequency import (
    best_n,
    extreme_ssc_tokens,
    per_token_table,
    self_similarity_change,
    ssc_correlation_curve,
)
from cselab.geometry.registry import family_names

if TYPE_CHECKING:
    from cselab.models.encoder import ModelLike


@dataclass
class PairComparison:
    """One vanilla / fine-tuned pair at one layer."""

    name: str
    vanilla: GeometryResult
    finetuned: GeometryResult
    layer: int
    ssc: pd.DataFrame  # rank, token, count, ss_vanilla, ss_finetuned, ani_*, ssc
    extremes: pd.DataFrame  # direction, place, token, count, ssc


@dataclass
class CrossPairCorrelation:
    """Pearson r of two pairs' SSCs over the top n tokens, n = 2..max_n, and its argmax."""

    curve: pd.DataFrame  # n, token, pearson
    best_n: int
    best_r: float


def _resolve_layer(result: GeometryResult, layer: int) -> int:
    resolved = result.layers[-1] if layer == -1 else layer
    if resolved not in result.per_token:
        raise CselabError(
            f"layer {layer}: self-similarity was not measured there for {result.model!r} "
            f"(measured layers: {sorted(result.per_token)})"
        )
    if resolved not in result.baseline:
        raise CselabError(f"layer {layer}: no anisotropy baseline measured for {result.model!r}")
    return resolved


def compare_pair(
    vanilla: GeometryResult,
    finetuned: GeometryResult,
    *,
    layer: int = -1,
    top_n: int = 400,
    k: int = 10,
    name: str | None = None,
) -> PairComparison:
    """SSC of the top-n frequent tokens (vanilla's frequency order) at ``layer`` (-1 = last)."""
    lv, lf = _resolve_layer(vanilla, layer), _resolve_layer(finetuned, layer)
    if lv != lf:
        raise CselabError(f"layer {layer} resolves to {lv} (vanilla) and {lf} (fine-tuned)")
    v_table = per_token_table(vanilla.per_token[lv], vanilla.token_string, top_n)
    f_table = per_token_table(finetuned.per_token[lf], finetuned.token_string)
    ssc = self_similarity_change(v_table, f_table, vanilla.baseline[lv], finetuned.baseline[lf])
    label = name or f"{vanilla.model}->{finetuned.model}"
    return PairComparison(label, vanilla, finetuned, lv, ssc, extreme_ssc_tokens(ssc, k))


def compare_pairs(
    first: PairComparison, second: PairComparison, *, max_n: int = 400, min_n: int = 10
) -> CrossPairCorrelation:
    """Correlation of two pairs' SSCs over the first pair's top-n tokens (appendix E)."""
    curve = ssc_correlation_curve(first.ssc, second.ssc, max_n=max_n)
    n, r = best_n(curve, min_n=min_n)
    return CrossPairCorrelation(curve, n, r)


def measure_all(
    measure: Callable[[str], GeometryResult], names: Sequence[str]
) -> dict[str, GeometryResult]:
    """Measure each distinct model once (a model may appear in two pairs)."""
    results: dict[str, GeometryResult] = {}
    for name in names:
        if name not in results:
            results[name] = measure(name)
    return results


SSC_FAMILIES = ("anisotropy", "self_similarity")  # what eq. 10 of Xiao et al. reads


def with_ssc_families(metrics: str | Sequence[str] | None) -> list[str] | None:
    """``metrics`` plus the families the self-similarity change needs (None = all)."""
    names = family_names(metrics)
    if names is None:
        return None
    return names + [name for name in SSC_FAMILIES if name not in names]


def compare_models(
    vanilla: ModelLike,
    finetuned: ModelLike,
    sentences: Iterable[str] | str | os.PathLike[str] | None = None,
    *,
    tokenizer=None,
    layer: int = -1,
    top_n: int = 400,
    k: int = 10,
    **options,
) -> PairComparison:
    """Measure both models on the same sentences (:func:`analyze_geometry` with
    ``options``: protocol, layers, metrics, ...; token level only) and compare them: the
    self-similarity change of the ``top_n`` most frequent tokens at ``layer`` (-1 = last)
    and the ``k`` largest changes each way. Models as :func:`analyze_geometry` takes them
    (``tokenizer`` for transformers models that need one). The anisotropy and
    self-similarity families that SSC reads are always measured."""
    sentences, corpus_name = sentences_and_name(sentences)
    if isinstance(sentences, Iterator):  # read twice: a one-pass iterator is kept
        sentences = list(sentences)
    options = {"corpus_label": corpus_name, "sentence_metrics": False, **options}
    options["metrics"] = with_ssc_families(options.get("metrics"))
    results = [
        analyze_geometry(model, sentences, tokenizer=tokenizer, **options)
        for model in (vanilla, finetuned)
    ]
    return compare_pair(*results, layer=layer, top_n=top_n, k=k)
