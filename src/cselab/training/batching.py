"""A seeded batch order without duplicate sentences inside a batch.

With in-batch negatives a sentence that appears twice in a batch is its own negative (a
false negative). :func:`epoch_batches` shuffles with ``numpy.random.default_rng((seed,
epoch))`` — independent of the global RNGs, so a resumed run rebuilds the same order from
``(seed, epoch)`` and skips the batches it already trained on — and defers an example whose
texts already occur in the batch being filled to a later batch. Incomplete final batches
are dropped (every step sees ``batch_size`` examples).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cselab.data.pairs import Pair, Triplet


def _texts(example: Pair | Triplet) -> set[str]:
    return set(vars(example).values())


def epoch_batches(
    examples: Sequence[Pair | Triplet],
    batch_size: int,
    *,
    seed: int,
    epoch: int,
    no_duplicates: bool = True,
) -> list[list[int]]:
    """Index batches for one epoch: a seeded permutation, greedily packed without duplicates."""
    order = np.random.default_rng([seed, epoch]).permutation(len(examples)).tolist()
    if not no_duplicates:
        return [
            order[i : i + batch_size] for i in range(0, len(order) - batch_size + 1, batch_size)
        ]
    batches: list[list[int]] = []
    pending: list[int] = list(order)
    while len(pending) >= batch_size:
        batch: list[int] = []
        seen: set[str] = set()
        deferred: list[int] = []
        for position, index in enumerate(pending):
            texts = _texts(examples[index])
            if texts & seen:
                deferred.append(index)
                continue
            batch.append(index)
            seen |= texts
            if len(batch) == batch_size:
                pending = deferred + pending[position + 1 :]
                break
        else:
            break  # the rest cannot fill a duplicate-free batch
        batches.append(batch)
    return batches


def steps_per_epoch(n_examples: int, batch_size: int) -> int:
    """Full batches in one epoch (an upper bound when duplicates are deferred)."""
    return n_examples // batch_size
