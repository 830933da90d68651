"""Plan: which statistics a geometry run keeps, per level, for the chosen families.

A level is a view of the data: ``token`` (the protocol's token view: special tokens in or
out; for ``xiao2023`` the first padding position of each sentence comes along for
self-similarity) or ``sentence`` (pooled sentence embeddings, outputs prefixed
``sentence_``). Every family reads its statistics at every level it supports; a statistic
read by several families is kept once (``token_sample`` sized for the largest need).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cselab.errors import CselabError
from cselab.geometry.protocols import PROTOCOLS, Protocol
from cselab.geometry.registry import METRICS, resolve_families
from cselab.geometry.spec import LEVELS


def resolve_protocol(protocol: Protocol | str) -> Protocol:
    """A preset by name, or the protocol itself."""
    if isinstance(protocol, Protocol):
        return protocol
    if isinstance(protocol, str) and protocol in PROTOCOLS:
        return PROTOCOLS[protocol]
    raise CselabError(f"unknown protocol {protocol!r}; choose one of {sorted(PROTOCOLS)}")


def resolve_layers(layers: Sequence[int] | None, available: int) -> tuple[int, ...]:
    """Layer ids in 0..available-1 (-1 = last), sorted; None = all."""
    if layers is None:
        return tuple(range(available))
    chosen = sorted({available + x if x < 0 else x for x in layers})
    bad = [x for x in chosen if not 0 <= x < available]
    if not chosen or bad:
        raise CselabError(f"layers {list(layers)}: choose from 0..{available - 1} (or -1 = last)")
    return tuple(chosen)


@dataclass(frozen=True)
class GeometryPlan:
    """protocol, families (registry order), layer ids, and the levels measured."""

    protocol: Protocol
    families: tuple[str, ...]
    layers: tuple[int, ...]
    levels: tuple[str, ...] = LEVELS

    def families_at(self, level: str) -> tuple[str, ...]:
        return tuple(f for f in self.families if level in METRICS[f].levels)

    def statistics(self, level: str) -> dict[str, int]:
        """Statistic name -> token-sample rows (0 where no sample) kept at ``level``."""
        needed: dict[str, int] = {}
        for family in self.families_at(level):
            spec = METRICS[family]
            for name in spec.needs(self.protocol, level):
                rows = spec.sample_rows(self.protocol) if spec.sample_rows else 0
                needed[name] = max(needed.get(name, 0), rows if name == "token_sample" else 0)
        return needed

    def fingerprint(self) -> dict[str, object]:
        """Everything that decides the statistics (a checkpoint must match it)."""
        return {
            "protocol": self.protocol.as_dict(),
            "families": list(self.families),
            "layers": list(self.layers),
            "levels": list(self.levels),
        }


def plan_geometry(
    protocol: Protocol | str = "default",
    metrics: str | Sequence[str] | None = None,
    layers: Sequence[int] = (0,),
    *,
    levels: Sequence[str] = LEVELS,
) -> GeometryPlan:
    """The plan for resolved ``layers``; ``metrics`` = family names (None = all)."""
    proto = resolve_protocol(protocol)
    families = resolve_families(metrics)
    unknown = sorted(set(levels) - set(LEVELS))
    if unknown:
        raise CselabError(f"levels {unknown}: choose from {list(LEVELS)}")
    chosen = tuple(level for level in LEVELS if level in levels)
    plan = GeometryPlan(proto, families, tuple(layers), chosen)
    return GeometryPlan(
        proto, families, tuple(layers), tuple(lv for lv in chosen if plan.families_at(lv))
    )
