"""The running-statistic protocol: ``update / merge / state_dict / load_state_dict``.

A statistic accumulates one quantity (counts and sums, a scatter matrix, a sample, ...)
for every analysed layer of one view, from :class:`~cselab.geometry.batch.ViewBatch`
objects. It is updated once per batch however many metrics read it, and it is
*mergeable*: the statistic of two parts of a corpus, merged, is the statistic of the
whole. That one property gives batch-size independence, several processes (each merges
its part into rank 0) and resumable runs (a saved ``state_dict`` is merged with the rest).
:meth:`at` gives one layer's values to the metric specs' pure ``compute`` functions.
"""

from __future__ import annotations

from typing import Any, Protocol

import torch

from cselab.geometry.batch import ViewBatch


class Statistic(Protocol):
    """A mergeable running statistic over L layers; ``reads`` names the batch sums
    (:mod:`cselab.geometry.batch_sums`) its update reads."""

    reads: tuple[str, ...]

    def update(self, batch: ViewBatch) -> None: ...

    def merge(self, other: Any) -> None: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...

    def at(self, layer: int) -> Any: ...


def cpu(value: Any) -> Any:
    """Tensors (in nested dicts) moved to the CPU, for saving and sending."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: cpu(v) for k, v in value.items()}
    return value


def add_or_take(mine: torch.Tensor | None, theirs: torch.Tensor | None) -> torch.Tensor | None:
    """Sum of two optional tensors (None = nothing accumulated yet)."""
    if theirs is None:
        return mine
    if mine is None:
        return theirs.clone()
    return mine + theirs.to(mine.device)
