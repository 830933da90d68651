"""The geometry pipeline, plan → stream → collect, and its entry points.

- :func:`analyze_batches`: batches from any source (:mod:`cselab.geometry.sources`)
  through a :class:`~cselab.geometry.plan.GeometryPlan` into a :class:`GeometryResult`.
- :func:`analyze_geometry`: a model (a name or path, a SentenceTransformer, or a
  transformers model with its tokenizer) on a corpus (one forward pass per batch under
  ``torch.inference_mode()``, all hidden states; token level and pooled sentences). Under
  an initialised process group the corpus is sharded by sentence and the statistics are
  merged across ranks; ``checkpoint_dir`` + ``checkpoint_every`` make it resumable.
- :func:`analyze_embeddings`: vectors computed elsewhere (token vectors with their ids,
  and/or sentence vectors), numpy or torch.

The table holds, per layer, every family's outputs (``sentence_`` prefixed at the sentence
level), plus ``anisotropy_baseline`` and the adjusted values of Xiao et al. (2023) /
Ethayarajh (2019) (:func:`cselab.geometry.collect.add_adjusted`). A metric undefined on
the input is left out with a warning; the table never holds NaN.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from cselab.data.corpora import sentences_and_name
from cselab.errors import CselabError
from cselab.geometry.checkpoint import (
    checkpoint_path,
    load_checkpoint,
    remove_checkpoint,
    save_checkpoint,
)
from cselab.geometry.collect import collect
from cselab.geometry.plan import GeometryPlan, plan_geometry, resolve_layers, resolve_protocol
from cselab.geometry.protocols import Protocol
from cselab.geometry.sources import (
    ModelSource,
    Progress,
    sentence_vector_batches,
    token_vector_batches,
)
from cselab.geometry.spec import LEVELS
from cselab.geometry.stream import GeometryBatch, GeometryStream, merge_across_processes
from cselab.geometry.threads import geometry_threads, threads_for_geometry
from cselab.models.encoder import as_encoder

if TYPE_CHECKING:
    from cselab.models.encoder import ModelLike


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
            **self.extra,
        }


def analyze_batches(
    batches: Iterable[GeometryBatch],
    plan: GeometryPlan,
    *,
    model_label: str = "model",
    corpus_label: str = "corpus",
    stream: GeometryStream | None = None,
    after_batch: Callable[[GeometryStream], None] | None = None,
) -> tuple[GeometryStream, pd.DataFrame, dict]:
    """Stream ``batches`` into ``stream`` (a fresh one for ``plan`` by default), merge across
    processes, collect: (merged stream, tidy table, details). The statistics' updates and
    the computes run on the threads of :mod:`cselab.geometry.threads`."""
    stream = stream or GeometryStream(plan)
    for batch in batches:  # the source (a model's forward pass) runs with the caller's threads
        with threads_for_geometry():
            stream.update(batch)
        if after_batch is not None:
            after_batch(stream)
    merged = merge_across_processes(stream)
    if merged.n_sentences == 0:
        raise CselabError("no sentences to analyse (empty corpus)")
    with threads_for_geometry():
        table, details = collect(merged, model=model_label, corpus=corpus_label)
    return merged, table, details


def _result(table, details, plan, *, start, **facts) -> GeometryResult:
    baseline_rows = table[table["metric"] == "anisotropy_baseline"]
    return GeometryResult(
        table=table,
        per_token=details.get("self_similarity", {}),
        baseline=dict(zip(baseline_rows["layer"], baseline_rows["value"], strict=True)),
        protocol=plan.protocol,
        layers=list(plan.layers),
        total_seconds=time.perf_counter() - start,
        **facts,
    )


def _process() -> tuple[int, int]:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def analyze_geometry(
    model: ModelLike,
    sentences: Iterable[str] | str | os.PathLike[str] | None = None,
    *,
    tokenizer=None,
    pooling: str | None = None,
    protocol: Protocol | str = "default",
    layers: Sequence[int] | None = None,
    metrics: str | Sequence[str] | None = None,
    sentence_metrics: bool = True,
    model_label: str | None = None,
    corpus_label: str | None = None,
    strict: bool = False,
    device: str = "cpu",
    progress: Progress | None = None,
    checkpoint_dir: str | Path | None = None,
    checkpoint_every: int | None = None,
) -> GeometryResult:
    """Measure the requested families (default: all of ``METRICS``) at the requested
    hidden states (default: all; 0 = input embeddings, -1 = last) of ``model`` on
    ``sentences``.

    ``model``: a name or path (loaded on ``device``), a SentenceTransformer, or a
    transformers model (``tokenizer=``; ``pooling`` for its sentence embeddings, default
    mean); see :func:`cselab.models.encoder.as_encoder`. ``sentences``: any iterable (read
    once, in chunks), a corpus file, or None for the shipped corpus. ``model_label`` /
    ``corpus_label`` fill the table's columns (default: the model's and corpus's names).
    ``progress(done, total)`` is called after every batch (``total`` None when the corpus
    has no length). ``checkpoint_every`` N batches the statistics are saved under
    ``checkpoint_dir``; a rerun of the same analysis resumes from there, and the
    checkpoint is removed when the analysis is complete.
    """
    start = time.perf_counter()
    geometry_threads()  # a bad CSELAB_GEOMETRY_THREADS is named before the model loads
    proto = resolve_protocol(protocol)
    sentences, corpus_name = sentences_and_name(sentences)
    corpus_label = corpus_name if corpus_label is None else corpus_label
    encoder = as_encoder(model, tokenizer, pooling=pooling, device=device)
    model_label = encoder.label if model_label is None else model_label
    source = ModelSource(encoder, proto, strict=strict)
    levels = LEVELS if sentence_metrics else ("token",)
    plan = plan_geometry(
        proto, metrics, resolve_layers(layers, source.num_hidden_states), levels=levels
    )
    rank, world = _process()
    stream, skip, save = GeometryStream(plan), 0, None
    if checkpoint_every is not None:
        if checkpoint_every < 1 or checkpoint_dir is None:
            raise CselabError(
                f"checkpoint_every={checkpoint_every}: give a number >= 1 and a checkpoint folder"
            )
        path = checkpoint_path(checkpoint_dir, rank)
        run = {"plan": plan.fingerprint(), "model": model_label, "corpus": corpus_label,
               "world": world}  # fmt: skip
        if (found := load_checkpoint(path, run)) is not None:
            stream.load_state_dict(found[0])
            skip = found[1]

        def save(s: GeometryStream) -> None:
            if s.batches % checkpoint_every == 0:
                save_checkpoint(path, s.state_dict(), s.batches, run)

    batches = source.batches(
        sentences, plan.layers, plan.levels, rank=rank, world=world, skip=skip, progress=progress
    )
    merged, table, details = analyze_batches(
        batches, plan, model_label=model_label, corpus_label=corpus_label, stream=stream,
        after_batch=save,
    )  # fmt: skip
    if checkpoint_every is not None and checkpoint_dir is not None:
        remove_checkpoint(checkpoint_path(checkpoint_dir, rank))
    result = _result(
        table, details, plan, start=start, token_string=source.token_string, model=model_label,
        corpus=corpus_label, n_sentences=source.n_sentences, n_truncated=source.n_truncated,
        forward_seconds=source.encoder.forward_seconds, pooling=source.pooling,
    )  # fmt: skip
    result.extra["forward_cpu_seconds"] = round(source.encoder.forward_cpu_seconds, 4)
    result.extra["tokens"] = merged.rows.get("token", 0)  # tokens kept at the token level
    if world > 1:
        result.extra["processes"] = world
    if checkpoint_every is not None:
        result.extra["resumed_from_batch"] = skip
    return result


def analyze_embeddings(
    *,
    token_vectors=None,
    token_ids=None,
    sentence_ids=None,
    sentence_vectors=None,
    layers: Sequence[int] | None = None,
    protocol: Protocol | str = "default",
    metrics: str | Sequence[str] | None = None,
    model_label: str = "embeddings",
    corpus_label: str = "corpus",
    token_string: Callable[[int], str] = str,
) -> GeometryResult:
    """Geometry of vectors computed elsewhere (numpy or torch): ``token_vectors`` ((n, d),
    (L, n, d) or {layer: (n, d)}) with ``token_ids`` and contiguous ``sentence_ids`` (n,),
    and/or ``sentence_vectors`` (one row per sentence; ``sentence_`` outputs)."""
    start = time.perf_counter()
    proto = resolve_protocol(protocol)
    parts: list[tuple[str, tuple[int, ...], Iterable[GeometryBatch]]] = []
    if token_vectors is not None:
        parts.append(("token", *token_vector_batches(token_vectors, token_ids, sentence_ids,
                                                     layers=layers)))  # fmt: skip
    if sentence_vectors is not None:
        parts.append(("sentence", *sentence_vector_batches(sentence_vectors, layers=layers)))
    if not parts:
        raise CselabError("analyze_embeddings: give token_vectors and/or sentence_vectors")
    tables, details, n_sentences, ids = [], {}, 0, parts[0][1]
    for level, layer_ids, batches in parts:
        if layer_ids != ids:
            raise CselabError(f"token vectors of layers {ids}, sentence vectors of {layer_ids}")
        plan = plan_geometry(proto, metrics, layer_ids, levels=(level,))
        stream, table, found = analyze_batches(
            batches, plan, model_label=model_label, corpus_label=corpus_label
        )
        tables.append(table)
        details.update(found)
        n_sentences = max(n_sentences, stream.n_sentences)
    table = pd.concat(tables, ignore_index=True)
    plan = plan_geometry(proto, metrics, ids, levels=tuple(level for level, _, _ in parts))
    return _result(
        table, details, plan, start=start, token_string=token_string, model=model_label,
        corpus=corpus_label, n_sentences=n_sentences, n_truncated=0, forward_seconds=0.0,
        pooling="given",
    )  # fmt: skip
