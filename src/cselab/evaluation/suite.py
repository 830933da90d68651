"""Evaluate one model on several STS datasets: per-dataset scores, their mean, provenance.

The average is the unweighted mean over datasets of Spearman (and Pearson) × 100, the way
SimCSE/SBERT tables average STS12-16, STS-B and SICK-R. ``examples`` lists, per dataset, the
pairs on which the model's ranking disagrees most with the gold ranking (largest
``|rank(gold) - rank(cos)| / n``), so a report can show what the model gets wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import rankdata

from cselab.data.sts import StsDataset
from cselab.errors import CselabError
from cselab.evaluation.sts import (
    correlations,
    count_truncated,
    effective_pooling,
    pair_similarities,
)
from cselab.results.kinds import STS_KIND
from cselab.results.provenance import provenance

RESULT_KIND = STS_KIND  # the record's "kind" (cselab.results.kinds)


def largest_disagreements(
    dataset: StsDataset, predicted: np.ndarray, k: int
) -> list[dict[str, object]]:
    """The ``k`` pairs whose gold rank and predicted rank differ most (ranks scaled to [0, 1])."""
    gold = np.asarray([p.score for p in dataset.pairs])
    n = len(gold)
    gap = np.abs(rankdata(gold) - rankdata(predicted)) / n  # (n,)
    order = np.argsort(-gap, kind="stable")[:k]
    return [
        {
            "sentence1": dataset.pairs[i].sentence1,
            "sentence2": dataset.pairs[i].sentence2,
            "gold": float(gold[i]),
            "cosine": float(predicted[i]),
            "rank_gap": float(gap[i]),
        }
        for i in order
    ]


def run_sts_suite(
    model,
    datasets: Sequence[StsDataset],
    *,
    model_name: str,
    batch_size: int = 64,
    pooling: str | None = None,
    examples: int = 5,
) -> dict[str, Any]:
    """Evaluate ``model`` on every dataset; return a JSON-ready record (see module doc)."""
    if not datasets:
        raise CselabError("no STS datasets given; pass at least one --data spec")
    names = [d.name for d in datasets]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CselabError(f"STS dataset names must be unique; repeated: {duplicates} (use name=)")
    rows = []
    for number, dataset in enumerate(datasets, start=1):
        label = f"STS {dataset.name} ({number} of {len(datasets)})"
        predicted = pair_similarities(
            model, dataset.pairs, batch_size=batch_size, pooling=pooling, label=label
        )
        gold = np.asarray([p.score for p in dataset.pairs], dtype=np.float64)
        scores = correlations(predicted, gold, name=dataset.name)
        sentences = [s for p in dataset.pairs for s in (p.sentence1, p.sentence2)]
        rows.append(
            {
                "name": dataset.name,
                "source": dataset.source,
                "protocol": dataset.protocol,
                **scores,
                "truncated_sentences": count_truncated(model, sentences),
                "examples": largest_disagreements(dataset, predicted, examples),
            }
        )
    return {
        "kind": RESULT_KIND,
        "model": model_name,
        "pooling": effective_pooling(model, pooling),
        "pooling_overridden": pooling is not None,
        "similarity": "cosine",
        "scale": "correlation x 100",
        "max_seq_length": getattr(model, "max_seq_length", None),
        "batch_size": batch_size,
        "datasets": rows,
        "average": {
            "spearman": float(np.mean([r["spearman"] for r in rows])),
            "pearson": float(np.mean([r["pearson"] for r in rows])),
            "datasets": len(rows),
        },
        **provenance(),
    }
