"""The geometry pipeline: one forward pass per batch feeds every layer's streaming metrics.

``analyze_geometry(model, sentences, protocol=...)`` tokenizes the corpus once, runs the
model batch by batch under ``torch.inference_mode()`` with all hidden states, and updates,
for every requested layer, the token-level metrics (on the token view the protocol picks)
and the same metrics on pooled sentence embeddings (prefixed ``sentence_``; pooled with the
model's own pooling over non-padding tokens). It then adds the adjusted values of Xiao et
al. (2023) / Ethayarajh (2019)::

    self_similarity_adjusted            = self_similarity            − baseline
    intra_sentence_similarity_adjusted  = intra_sentence_similarity  − baseline

where ``baseline`` (also recorded as ``anisotropy_baseline``) is the exact all-pairs
anisotropy or the paper's sampled one, as the protocol says, of the same model and layer.

A metric that is undefined on the input (no token type reaches ``min_count``, shares of a
non-positive total, ...) is left out of the table with a warning naming it and the layer;
the table never holds NaN.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd
import torch

from cselab.errors import CselabError
from cselab.geometry.base import TokenBatch
from cselab.geometry.metric_set import (
    ALL_FAMILIES,
    SENTENCE_FAMILIES,
    build_sentence_metrics,
    build_token_metrics,
)
from cselab.geometry.protocols import PROTOCOLS, Protocol
from cselab.geometry.validation import MetricUndefined
from cselab.models.pooling import get_pooling, st_pooling_mode
from cselab.models.token_view import TokenEncoder
from cselab.results.table import make_table

SENTENCE_PREFIX = "sentence_"


@dataclass
class GeometryResult:
    """What one geometry run measured.

    table:      tidy rows ``model, corpus, layer, metric, value``
    per_token:  {layer: {token_id: (count, self_similarity)}} for frequency analyses
    baseline:   {layer: anisotropy baseline used for the adjusted values}
    """

    table: pd.DataFrame
    per_token: dict[int, dict[int, tuple[int, float]]]
    baseline: dict[int, float]
    token_string: Callable[[int], str]
    protocol: Protocol
    model: str
    corpus: str
    layers: list[int]
    n_sentences: int
    n_truncated: int
    forward_seconds: float
    total_seconds: float
    pooling: str
    extra: dict[str, object] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        """JSON-ready summary: run facts and the last layer's token-level values."""
        last = self.table[self.table["layer"] == self.layers[-1]]
        return {
            "model": self.model,
            "corpus": self.corpus,
            "protocol": self.protocol.as_dict(),
            "pooling": self.pooling,
            "layers": self.layers,
            "n_sentences": self.n_sentences,
            "n_truncated": self.n_truncated,
            "forward_seconds": round(self.forward_seconds, 4),
            "total_seconds": round(self.total_seconds, 4),
            "last_layer": dict(zip(last["metric"], last["value"].astype(float), strict=True)),
        }


def _check_layers(layers: Sequence[int] | None, available: int) -> list[int]:
    if layers is None:
        return list(range(available))
    chosen = sorted({available + x if x < 0 else x for x in layers})
    bad = [x for x in chosen if not 0 <= x < available]
    if not chosen or bad:
        raise CselabError(f"layers {list(layers)}: choose from 0..{available - 1} (or -1 = last)")
    return chosen


def _defined_values(metric, family: str, layer: int, prefix: str = "") -> dict[str, float]:
    """``metric.compute()`` without undefined values: a metric that is undefined on this
    input (:class:`MetricUndefined`, or a NaN value) is left out with a warning naming the
    metric and the layer, never written into the table as NaN."""
    try:
        values = metric.compute()
    except MetricUndefined as error:
        warnings.warn(f"layer {layer}: {prefix}{family} skipped: {error}", stacklevel=3)
        return {}
    undefined = [name for name, value in values.items() if math.isnan(value)]
    if undefined:
        names = ", ".join(prefix + name for name in undefined)
        warnings.warn(
            f"layer {layer}: {names} undefined (NaN) on this input; skipped", stacklevel=3
        )
    return {prefix + k: v for k, v in values.items() if not math.isnan(v)}


def _rank_informativity_by_self_similarity(groups, layer: int) -> None:
    """Give token-level informativity the layer's self-similarity dimension shares as its
    ranking (the ``xiao2023`` protocol); leave it alone when they are not available."""
    metrics = {family: m for group in groups for family, m in group.metrics.items()}
    informativity, self_sim = metrics.get("informativity"), metrics.get("self_similarity")
    if informativity is None or self_sim is None:
        return
    try:
        informativity.dimension_scores = self_sim.dimension_contributions()
    except MetricUndefined as error:
        informativity.dimension_scores = None
        warnings.warn(f"layer {layer}: informativity ranked by its sample: {error}", stacklevel=3)


def _sentence_batch(pooled: torch.Tensor, sentence_ids: torch.Tensor) -> TokenBatch:
    """Pooled vectors as a 'token' batch: one token per sentence."""
    zeros = torch.zeros_like(sentence_ids)
    return TokenBatch(pooled, sentence_ids, sentence_ids, zeros)


def analyze_geometry(
    model,
    sentences: Sequence[str],
    *,
    protocol: Protocol | str = "default",
    layers: Sequence[int] | None = None,
    metrics: Sequence[str] | None = None,
    sentence_metrics: bool = True,
    model_label: str = "model",
    corpus_label: str = "corpus",
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> GeometryResult:
    """Measure every requested metric family at every requested layer in one pass."""
    start = time.perf_counter()
    proto = PROTOCOLS[protocol] if isinstance(protocol, str) and protocol in PROTOCOLS else protocol
    if not isinstance(proto, Protocol):
        raise CselabError(f"unknown protocol {protocol!r}; choose one of {sorted(PROTOCOLS)}")
    families = list(ALL_FAMILIES) if metrics is None else list(metrics)
    unknown = sorted(set(families) - set(ALL_FAMILIES))
    if unknown:
        raise CselabError(f"unknown metric(s) {unknown}; choose from {list(ALL_FAMILIES)}")
    ranked = proto.informativity_ranking == "self_similarity" and "informativity" in families
    if ranked and "self_similarity" not in families:
        raise CselabError(
            f"protocol {proto.name!r} ranks informativity by self-similarity: "
            "add the self_similarity metric, or set informativity_ranking='sample'"
        )
    encoder = TokenEncoder(model, max_length=proto.max_length, strict=strict)
    chosen = _check_layers(layers, encoder.num_hidden_states)
    pooling_name = st_pooling_mode(model) or "mean"
    pool = get_pooling(pooling_name)
    corpus = encoder.tokenize(sentences)

    token_groups = {layer: build_token_metrics(proto, families) for layer in chosen}
    sentence_families = [f for f in families if f in SENTENCE_FAMILIES] if sentence_metrics else []
    sentence_sets = {layer: build_sentence_metrics(proto, sentence_families) for layer in chosen}
    for batch in encoder.batches(
        corpus,
        batch_size=proto.batch_size,
        pad_to=proto.pad_to,
        sort_by_length=proto.sort_by_length,
        progress=progress,
    ):
        masks = {
            include_padding: batch.selection(
                include_special=proto.include_special, include_padding=include_padding
            )
            for include_padding in (False, proto.padding_in_self_similarity)
        }
        id_caches: dict[bool, dict[object, object]] = {pad: {} for pad in masks}  # all layers
        for layer in chosen:
            views = {pad: batch.layer_tokens(layer, k, id_caches[pad]) for pad, k in masks.items()}
            for group in token_groups[layer]:
                view = views[group.include_padding]
                for metric in group.metrics.values():
                    metric.update(view)
            if sentence_families:
                pooled = _sentence_batch(batch.pooled(layer, pool), batch.sentence_ids)
                for metric in sentence_sets[layer].values():
                    metric.update(pooled)

    if proto.informativity_ranking == "self_similarity":
        for layer in chosen:
            _rank_informativity_by_self_similarity(token_groups[layer], layer)
    rows: list[dict[str, object]] = []
    per_token: dict[int, dict[int, tuple[int, float]]] = {}
    baseline: dict[int, float] = {}
    for layer in chosen:
        values: dict[str, float] = {}
        for group in token_groups[layer]:
            for family, metric in group.metrics.items():
                defined = _defined_values(metric, family, layer)
                values.update(defined)
                if family == "self_similarity":
                    tokens = metric.per_token() if defined else {}  # type: ignore[attr-defined]
                    per_token[layer] = tokens
        key = "anisotropy" if proto.baseline == "exact" else "anisotropy_sampled"
        if key in values:
            baseline[layer] = values["anisotropy_baseline"] = values[key]
            for raw in ("self_similarity", "intra_sentence_similarity"):
                if raw in values:
                    values[f"{raw}_adjusted"] = values[raw] - values[key]
        for family, metric in sentence_sets[layer].items():
            values.update(_defined_values(metric, family, layer, SENTENCE_PREFIX))
        rows += [
            {"model": model_label, "corpus": corpus_label, "layer": layer, "metric": k, "value": v}
            for k, v in values.items()
        ]
    tokenizer = encoder.tokenizer
    return GeometryResult(
        table=make_table(rows)[["model", "corpus", "layer", "metric", "value"]],
        per_token=per_token,
        baseline=baseline,
        token_string=lambda i: tokenizer.convert_ids_to_tokens(int(i)),
        protocol=proto,
        model=model_label,
        corpus=corpus_label,
        layers=chosen,
        n_sentences=len(sentences),
        n_truncated=corpus.n_truncated,
        forward_seconds=encoder.forward_seconds,
        total_seconds=time.perf_counter() - start,
        pooling=pooling_name,
    )
