"""Probes measured every ``probe_every`` steps into the run's tidy table.

- ``sts_dev_spearman`` / ``sts_dev_pearson`` (× 100) on a scored dev set
  (:func:`cselab.evaluation.sts.evaluate_sts`);
- the geometry metrics of Xiao et al. 2023 (anisotropy, L2 norm, self-similarity,
  intra-sentence similarity, per layer; ``PROBE_GEOMETRY``) on a probe corpus through
  :func:`cselab.geometry.analysis.analyze_geometry` (default protocol);
- the objective's gradient parts on one fixed probe batch (Li et al. 2024), when
  :mod:`cselab.gradients.parts` decomposes the loss (``grad/...`` rows);
- the training loss is logged by the trainer itself.

Probes run in eval mode, without gradients, inside :func:`isolated_rng` so they never shift
the training RNG streams (exact resume stays exact whatever the probe schedule). Their
cost is logged as ``probe_seconds``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch

from cselab import progress
from cselab.data.pairs import Pair, ScoredPair, Triplet
from cselab.errors import CselabError
from cselab.results.table import NO_LAYER, finite
from cselab.training.checkpoints import rng_state, set_rng_state
from cselab.training.config import TrainConfig

#: The metric families of Xiao et al. 2023, Section 4 (cheap: O(N·d) per layer); names of
#: :data:`cselab.geometry.registry.METRICS`.
PROBE_GEOMETRY = ("anisotropy", "l2_norm", "self_similarity", "intra_sentence")


@contextlib.contextmanager
def isolated_rng() -> Iterator[None]:
    """Run a block without changing any RNG state seen outside it."""
    saved = rng_state()
    try:
        yield
    finally:
        set_rng_state(saved)


def has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def gradient_parts_exist(loss: str) -> bool:
    """True when :mod:`cselab.gradients` decomposes this loss (Li et al. 2024)."""
    if not has_module("cselab.gradients.parts"):
        return False
    from cselab.gradients.parts import PARTS

    return loss in PARTS


@dataclass
class ProbeSet:
    """What to measure: dev pairs, probe sentences, a fixed batch for gradient parts."""

    dev_pairs: Sequence[ScoredPair] | None = None
    sentences: Sequence[str] | None = None
    corpus_name: str = ""
    gradient_batch: Sequence[Pair | Triplet] | None = None


def build_probes(config: TrainConfig, examples: Sequence[Pair | Triplet]) -> ProbeSet:
    """Load the dev set, probe corpus and gradient batch the config asks for."""
    probes = ProbeSet()
    if config.probe_every is None:
        return probes
    if config.dev_data is not None:
        from cselab.data.sts import read_stsbenchmark

        probes.dev_pairs = read_stsbenchmark(config.dev_data)
    if config.probe_geometry:
        from cselab.data.corpora import load_corpus

        corpus = load_corpus(config.probe_corpus)
        probes.sentences = list(corpus.sentences)[: config.probe_max_sentences]
        if len(probes.sentences) < 2:  # the geometry needs pairs of sentences
            raise CselabError(
                f"config field 'probe_corpus' = {config.probe_corpus!r}: geometry probes need "
                f"at least 2 sentences, it gives {len(probes.sentences)} (probe_max_sentences="
                f"{config.probe_max_sentences})"
            )
        probes.corpus_name = corpus.name
    similarity = config.loss_params.get("similarity", "cosine")
    if config.probe_gradients and gradient_parts_exist(config.loss) and similarity != "cosine":
        warnings.warn(
            f"gradient-part probes skipped: the unified gradient (Li et al. 2024) is defined "
            f"for cosine similarity, and loss_params sets similarity={similarity!r}",
            stacklevel=2,
        )
    elif config.probe_gradients and gradient_parts_exist(config.loss):
        probes.gradient_batch = list(examples[: max(2, min(config.batch_size, len(examples)))])
    return probes


def _row(metric: str, value: float, layer: int = NO_LAYER, corpus: str = "") -> dict:
    return {"metric": metric, "value": finite(float(value)), "layer": layer, "corpus": corpus}


def sts_rows(model, pairs: Sequence[ScoredPair], label: str = "dev_data") -> list[dict]:
    from cselab.evaluation.sts import evaluate_sts

    result = evaluate_sts(model, pairs, name=label)
    return [
        _row("sts_dev_spearman", result["spearman"], corpus="dev"),
        _row("sts_dev_pearson", result["pearson"], corpus="dev"),
    ]


def geometry_rows(model, sentences: Sequence[str], corpus: str) -> list[dict]:
    from cselab.geometry.analysis import analyze_geometry

    table = analyze_geometry(
        model, list(sentences), metrics=PROBE_GEOMETRY, sentence_metrics=False
    ).table
    return [
        _row(str(r.metric), r.value, layer=int(r.layer), corpus=corpus)
        for r in table.itertuples(index=False)
    ]


#: Seed of the gradient probe's dropout masks: the same masks at every probe of a run.
GRADIENT_PROBE_SEED = 0


def gradient_rows(model, loss_name: str, loss_params: dict, batch) -> list[dict]:
    """Gradient-part summaries of a fixed batch embedded as the training step sees it, with
    dropout on (fixed masks, :data:`GRADIENT_PROBE_SEED`): SimCSE's unsupervised views are one
    sentence under two dropout masks, which in eval mode would be identical (s_ii = 1)."""
    from cselab.gradients.summaries import gradient_summary
    from cselab.training.step import embed_examples

    was_training = model.training
    model.train()
    try:
        with isolated_rng():
            torch.manual_seed(GRADIENT_PROBE_SEED)
            anchor, positive, negative = embed_examples(model, batch)  # (B, d), no graph
    finally:
        model.train(was_training)
    with torch.enable_grad():
        summary = gradient_summary(loss_name, anchor, positive, negative, **loss_params)
    return [_row(f"grad/{name}", value) for name, value in summary.items()]


def run_probes(
    model, probes: ProbeSet, loss_name: str, loss_params: dict, step: int = 0
) -> list[dict]:
    """All probes at the current weights; rows carry metric, value, layer, corpus.
    ``loss_name`` and ``loss_params`` say whose gradient parts the gradient batch gets.
    Progress and a result line ("probe at step 200: STS dev Spearman 81.20; ...") go to
    :mod:`cselab.progress`."""
    start = time.perf_counter()
    rows: list[dict] = []
    was_training = model.training
    model.eval()
    title = f"probe at step {step}"
    try:
        with isolated_rng(), torch.no_grad():
            if probes.dev_pairs is not None:  # its encoding is a progress task of its own
                rows += sts_rows(model, probes.dev_pairs, label=f"{title}: STS dev")
            if probes.sentences is not None:
                with progress.task(f"{title}: geometry ({len(probes.sentences)} sentences)"):
                    rows += geometry_rows(model, probes.sentences, probes.corpus_name)
            if probes.gradient_batch is not None:
                rows += gradient_rows(model, loss_name, loss_params, probes.gradient_batch)
    finally:
        model.train(was_training)
    rows.append(_row("probe_seconds", time.perf_counter() - start))
    progress.note(f"{title}: {probe_summary(rows)}")
    return rows


def probe_summary(rows: list[dict]) -> str:
    """``STS dev Spearman 81.20; geometry 4 metrics x 7 layers; gradient parts; 12.3 s``."""
    values = {row["metric"]: row["value"] for row in rows}
    said = []
    if "sts_dev_spearman" in values:
        said.append(f"STS dev Spearman {values['sts_dev_spearman']:.2f}")
    geometry = [r for r in rows if r["layer"] != NO_LAYER]
    if geometry:
        layers = len({r["layer"] for r in geometry})
        said.append(f"geometry {len(geometry) // layers} metrics x {layers} layers")
    if any(name.startswith("grad/") for name in values):
        said.append("gradient parts")
    said.append(f"{values['probe_seconds']:.1f} s")
    return "; ".join(said)
