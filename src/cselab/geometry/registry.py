"""The one table of metric families: ``METRICS``, family -> :class:`MetricSpec`.

The CLI's ``--metrics``, the training probes, the pipeline, the report and the docs all
read it. :func:`describe` finds the spec, label, section and paper reference of any
output name of a tidy table, including ``sentence_`` outputs (pooled sentence
embeddings) and the outputs the pipeline adds (``anisotropy_baseline``,
``*_adjusted``). Adding a metric: docs/geometry.md, "Add a metric".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cselab.errors import CselabError
from cselab.geometry.spec import SECTIONS, MetricSpec, Output
from cselab.lazy import LazyRegistry

SENTENCE_PREFIX = "sentence_"

#: family -> its spec, in report order; the names are known without importing the family
#: modules (torch), each spec is imported when first read (:class:`cselab.lazy.LazyRegistry`).
METRICS: LazyRegistry[MetricSpec] = LazyRegistry(
    {
        family: f"cselab.geometry.{module}:SPEC"
        for family, module in (
            ("anisotropy", "anisotropy"),
            ("self_similarity", "self_similarity"),
            ("intra_sentence", "intra_sentence"),
            ("l2_norm", "norms"),
            ("dimensions", "dimensions"),
            ("informativity", "informativity"),
            ("isoscore", "isoscore"),
            ("spectrum", "spectrum"),
            ("uniformity", "uniformity"),
        )
    }
)
#: former family names still accepted by :func:`resolve_families`
ALIASES = {"norms": "l2_norm"}


def family_names(names: str | Sequence[str] | None) -> list[str] | None:
    """``names`` as a list: one family name or several (None, all families, stays None)."""
    if names is None:
        return None
    return [names] if isinstance(names, str) else list(names)


def resolve_families(names: str | Sequence[str] | None) -> tuple[str, ...]:
    """The chosen family names (one name, several, or all when ``names`` is None), aliases
    resolved, in registry order; an unknown name is an error listing the choices."""
    names = family_names(names)
    if names is None:
        return tuple(METRICS)
    chosen = [ALIASES.get(name, name) for name in names]
    unknown = [name for name in names if ALIASES.get(name, name) not in METRICS]
    if unknown:
        raise CselabError(f"unknown metric(s) {unknown}; choose from {list(METRICS)}")
    return tuple(name for name in METRICS if name in chosen)


@dataclass(frozen=True)
class OutputInfo:
    """What an output name of the tidy table is."""

    name: str
    spec: MetricSpec
    output: Output
    level: str  # "token" or "sentence"

    @property
    def label(self) -> str:
        label = self.output.label_for(self.base_name)
        return f"{label} (sentence embeddings)" if self.level == "sentence" else label

    @property
    def base_name(self) -> str:
        return self.name.removeprefix(SENTENCE_PREFIX) if self.level == "sentence" else self.name

    @property
    def section(self) -> str:
        return self.output.section

    @property
    def paper(self) -> str:
        return self.output.paper

    @property
    def table_row(self) -> bool:
        return self.output.table_row


def _find(name: str) -> tuple[MetricSpec, Output] | None:
    for spec in METRICS.values():
        for output in spec.outputs:
            if output.regex.match(name):
                return spec, output
    return None


def describe(name: str) -> OutputInfo | None:
    """The spec and display of an output name (None for a name no family produces, e.g.
    a training loss)."""
    found = _find(name)
    if found is not None:
        return OutputInfo(name, *found, level="token")
    if name.startswith(SENTENCE_PREFIX):
        found = _find(name.removeprefix(SENTENCE_PREFIX))
        if found is not None and "sentence" in found[0].levels:
            return OutputInfo(name, *found, level="sentence")
    return None


def section_of(name: str) -> str | None:
    """The report section of an output name (None if no family produces it)."""
    info = describe(name)
    return None if info is None else info.section


__all__ = [
    "ALIASES",
    "METRICS",
    "SECTIONS",
    "MetricSpec",
    "Output",
    "OutputInfo",
    "describe",
    "resolve_families",
    "section_of",
]
