"""Stream: batches from any source update the planned running statistics.

:class:`GeometryStream` keeps, for every planned level, one set of statistics (all layers
stacked) and updates each statistic once per batch, whatever number of families read
it. It is mergeable (``merge``, ``state_dict`` / ``load_state_dict``), which gives
multi-process runs (:func:`merge_across_processes`) and resumable runs
(:mod:`cselab.geometry.checkpoint`). :class:`MetricStream` is the one-family, one-layer
form (``update(TokenBatch)`` / ``compute()`` / ``reset()``), for tests and quick use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cselab.errors import CselabError
from cselab.geometry.batch import ViewBatch
from cselab.geometry.plan import GeometryPlan, plan_geometry
from cselab.geometry.protocols import Protocol
from cselab.geometry.registry import METRICS
from cselab.geometry.statistics import Statistic, make_statistic
from cselab.models.token_batch import TokenBatch


@dataclass
class GeometryBatch:
    """One batch of sentences from a source: a :class:`ViewBatch` per level."""

    views: dict[str, ViewBatch]
    n_sentences: int
    extra: dict[str, Any] = field(default_factory=dict)


class GeometryStream:
    """The running statistics of a plan."""

    def __init__(self, plan: GeometryPlan) -> None:
        self.plan = plan
        self.statistics: dict[str, dict[str, Statistic]] = {
            level: {
                name: make_statistic(name, plan.protocol, rows)
                for name, rows in plan.statistics(level).items()
            }
            for level in plan.levels
        }
        self.wanted = {  # the batch sums read at each level, computed in one pass
            level: frozenset(name for s in statistics.values() for name in s.reads)
            for level, statistics in self.statistics.items()
        }
        self.dims: dict[str, int | None] = dict.fromkeys(plan.levels)
        self.last_sentence: dict[str, int | None] = dict.fromkeys(plan.levels)
        self.n_sentences = 0
        self.rows: dict[str, int] = dict.fromkeys(plan.levels, 0)  # tokens (or sentences) seen
        self.batches = 0

    def update(self, batch: GeometryBatch) -> None:
        """Add one batch (every planned level must be in it)."""
        for level, statistics in self.statistics.items():
            if level not in batch.views:
                raise CselabError(f"batch has no {level!r} view; it has {sorted(batch.views)}")
            view = batch.views[level]
            if view.n_layers != len(self.plan.layers) and len(view):
                raise CselabError(
                    f"{view.label}: {view.n_layers} layers in the batch, "
                    f"{len(self.plan.layers)} planned"
                )
            view.wanted = self.wanted[level]  # before the checks: norms come from the pass
            view.layer_ids = self.plan.layers
            view.check(self.dims[level])
            if not len(view):
                continue
            self._check_split(level, view)
            self.dims[level] = int(view.vectors.shape[2])
            self.rows[level] += len(view)
            for statistic in statistics.values():
                statistic.update(view)
        self.n_sentences += batch.n_sentences
        self.batches += 1

    def _check_split(self, level: str, view: ViewBatch) -> None:
        first, last = int(view.sentence_ids[0]), int(view.sentence_ids[-1])
        if self.last_sentence[level] == first:
            raise CselabError(
                f"{view.label}: sentence {first} is split across batches "
                "(a sentence's tokens must all be in one batch)"
            )
        self.last_sentence[level] = last

    def layer_values(self, level: str, index: int) -> dict[str, Any]:
        """One layer's (by position in ``plan.layers``) values of every statistic."""
        return {name: s.at(index) for name, s in self.statistics[level].items()}

    def merge(self, other: GeometryStream) -> None:
        if other.plan.fingerprint() != self.plan.fingerprint():
            raise CselabError("cannot merge geometry statistics of different plans")
        for level, statistics in self.statistics.items():
            for name, statistic in statistics.items():
                statistic.merge(other.statistics[level][name])
            self.dims[level] = self.dims[level] or other.dims[level]
            self.rows[level] += other.rows[level]
        self.n_sentences += other.n_sentences
        self.batches += other.batches

    def state_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.fingerprint(),
            "statistics": {
                level: {name: s.state_dict() for name, s in statistics.items()}
                for level, statistics in self.statistics.items()
            },
            "dims": dict(self.dims),
            "last_sentence": dict(self.last_sentence),
            "n_sentences": self.n_sentences,
            "rows": dict(self.rows),
            "batches": self.batches,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["plan"] != self.plan.fingerprint():
            raise CselabError("saved geometry statistics belong to another plan")
        for level, statistics in self.statistics.items():
            for name, statistic in statistics.items():
                statistic.load_state_dict(state["statistics"][level][name])
        self.dims, self.last_sentence = dict(state["dims"]), dict(state["last_sentence"])
        self.n_sentences, self.batches = int(state["n_sentences"]), int(state["batches"])
        self.rows = {level: int(n) for level, n in state["rows"].items()}


def merge_across_processes(stream: GeometryStream) -> GeometryStream:
    """Under an initialised process group, every rank's statistics merged in rank order
    (returned on every rank); without one, ``stream`` itself. Exact: sums add, scatters
    merge by Chan et al., samples keep the globally smallest keys."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return stream
    states: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(states, stream.state_dict())
    merged = GeometryStream(stream.plan)
    for state in states:
        part = GeometryStream(stream.plan)
        part.load_state_dict(state)
        merged.merge(part)
    return merged


class MetricStream:
    """One family at one layer: ``update(TokenBatch)``, ``compute()``, ``reset()``.

    ``MetricStream("anisotropy", protocol)`` keeps exactly the statistics the family reads
    (``level="sentence"`` for vectors that are pooled sentence embeddings)."""

    def __init__(
        self, family: str, protocol: Protocol | str = "default", level: str = "token"
    ) -> None:
        self.family = family
        self.plan = plan_geometry(protocol, [family], (0,), levels=(level,))
        if not self.plan.levels:
            raise CselabError(f"{family}: not measured at the {level!r} level")
        self.level = level
        self.reset()

    def reset(self) -> None:
        self.stream = GeometryStream(self.plan)

    def update(self, batch: TokenBatch) -> None:
        view = ViewBatch(
            batch.embeddings[None] if batch.embeddings.dim() == 2 else batch.embeddings,
            batch.token_ids,
            batch.sentence_ids,
            label=self.family,
        )
        self.stream.update(GeometryBatch({self.level: view}, 0))

    def values(self) -> dict[str, Any]:
        """This layer's statistic values (for accessors such as per-token values)."""
        return self.stream.layer_values(self.level, 0)

    def compute(self) -> dict[str, float]:
        return METRICS[self.family].compute(self.values(), self.plan.protocol)
