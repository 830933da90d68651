"""cselab's training probes as a sentence-transformers evaluator.

``CselabEvaluator(sentences=..., sts_pairs=..., loss=cselab_loss, gradient_batch=...)``
measures, at every evaluation of a ``SentenceTransformerTrainer`` (or when called on a
model), what ``cselab train`` probes (:mod:`cselab.training.probes`): STS Spearman/Pearson
(× 100) on scored pairs, the geometry of Xiao et al. 2023 per layer (anisotropy, L2 norm,
self-similarity, intra-sentence similarity) on probe sentences, and the gradient parts of
Li et al. 2024 (dissipation, weight, ratio) of the loss on a fixed batch. Keys are the
probe's metric, ``_layer{L}`` for per-layer values (``grad/x`` becomes ``grad_x``), prefixed
with ``name``; the trainer prefixes ``eval_``. Primary metric: STS Spearman when
``sts_pairs`` are given (higher is better), else the last layer's anisotropy (lower is
better); choose another with ``primary_metric`` / ``greater_is_better``. Probes run in eval
mode without gradients and leave every RNG stream as they found it. With an
``output_path`` the rows are also appended, as cselab's tidy table (``run, step, model,
corpus, layer, metric, value``), to ``output_path/cselab_metrics.csv``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sentence_transformers.sentence_transformer.evaluation import SentenceEvaluator

from cselab.data.pairs import Pair, ScoredPair, Triplet
from cselab.errors import CselabError
from cselab.integrations.sentence_transformers.loss import CselabLoss, build_cselab_loss
from cselab.results.table import NO_LAYER
from cselab.training.probes import ProbeSet, gradient_parts_exist, run_probes
from cselab.training.run_log import append_rows

METRICS_FILE = "cselab_metrics.csv"


def metric_key(row: dict) -> str:
    """``sts_dev_spearman``, ``anisotropy_layer3``, ``grad_dissipation``, ..."""
    name = str(row["metric"]).replace("/", "_")
    layer = int(row.get("layer", NO_LAYER))
    return name if layer == NO_LAYER else f"{name}_layer{layer}"


def scored_pairs(pairs: Sequence[ScoredPair | tuple] | str | os.PathLike[str]) -> list[ScoredPair]:
    """Scored pairs given as records, (sentence1, sentence2, score) tuples or an STS-B file."""
    if isinstance(pairs, (str, os.PathLike)):
        from cselab.data.sts import read_stsbenchmark

        return list(read_stsbenchmark(pairs))
    return [p if isinstance(p, ScoredPair) else ScoredPair(p[0], p[1], float(p[2])) for p in pairs]


def examples(batch: Sequence[Pair | Triplet | tuple]) -> list[Pair | Triplet]:
    """(anchor, positive[, negative]) tuples as cselab's training examples."""
    out: list[Pair | Triplet] = []
    for row in batch:
        if isinstance(row, (Pair, Triplet)):
            out.append(row)
        elif len(row) in (2, 3):
            out.append(Pair(*row) if len(row) == 2 else Triplet(*row))
        else:
            raise CselabError(
                f"gradient_batch rows are (anchor, positive[, negative]), got {row!r}"
            )
    return out


class CselabEvaluator(SentenceEvaluator):
    """cselab's probes (STS, per-layer geometry, gradient parts) in a sentence-transformers run."""

    def __init__(
        self,
        *,
        sentences: Sequence[str] | None = None,
        sts_pairs: Sequence[ScoredPair | tuple] | str | os.PathLike[str] | None = None,
        loss: CselabLoss | str | None = None,
        loss_params: dict[str, Any] | None = None,
        gradient_batch: Sequence[Pair | Triplet | tuple] | None = None,
        name: str = "cselab",
        primary_metric: str | None = None,
        greater_is_better: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = name
        self.probes = ProbeSet(corpus_name=name)
        if sentences is not None:
            if len(sentences) < 2:
                raise CselabError(
                    f"sentences: geometry probes need at least 2, got {len(sentences)}"
                )
            self.probes.sentences = list(sentences)
        if sts_pairs is not None:
            self.probes.dev_pairs = scored_pairs(sts_pairs)
            if len(self.probes.dev_pairs) < 2:
                raise CselabError("sts_pairs: a correlation needs at least 2 scored pairs")
        if self.probes.sentences is None and self.probes.dev_pairs is None:
            raise CselabError("CselabEvaluator needs sentences (geometry) or sts_pairs (STS)")
        self.loss_name, self.loss_params = self._loss(loss, loss_params or {})
        if gradient_batch is not None:
            if not gradient_parts_exist(self.loss_name):
                raise CselabError(
                    f"gradient_batch: loss {self.loss_name!r} has no gradient parts "
                    "(cselab.gradients.parts.PARTS); leave gradient_batch unset"
                )
            self.probes.gradient_batch = examples(gradient_batch)
        with_sts = self.probes.dev_pairs is not None
        if primary_metric is None:  # STS Spearman, or (set at the first call) anisotropy
            primary_metric = "sts_dev_spearman" if with_sts else None
            better = with_sts
        else:
            better = True
        self.primary_metric = primary_metric
        self.greater_is_better = better if greater_is_better is None else greater_is_better

    @staticmethod
    def _loss(loss: CselabLoss | str | None, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if isinstance(loss, CselabLoss):
            return loss.name, dict(loss.params)
        if loss is None:
            return "", {}
        name, _ = build_cselab_loss(loss, params)  # a bad name or argument fails here
        return name, dict(params)

    def __call__(
        self, model, output_path: str | None = None, epoch: float = -1, steps: int = -1
    ) -> dict[str, float]:
        step = max(int(steps), 0)
        rows = run_probes(model, self.probes, self.loss_name, self.loss_params, step=step)
        metrics = {metric_key(row): float(row["value"]) for row in rows}
        if self.primary_metric is None:  # no STS: the last layer's anisotropy
            last = max(int(r["layer"]) for r in rows if r["metric"] == "anisotropy")
            self.primary_metric = f"anisotropy_layer{last}"
        if output_path is not None:
            stamp = {"run": self.name, "step": step, "model": "sentence-transformers"}
            append_rows(Path(output_path) / METRICS_FILE, [{**stamp, **row} for row in rows])
        metrics = self.prefix_name_to_metrics(metrics, self.name)
        self.store_metrics_in_model_card_data(
            model, metrics, int(max(epoch, 0)), max(int(steps), 0)
        )
        return metrics
