"""What a metric family is: the statistics it reads, a pure compute, its knobs, its display.

A :class:`MetricSpec` is all the pipeline, the CLI, the training probes, the report and
the docs need to know about a family; the one table of them is
:data:`cselab.geometry.registry.METRICS`. A spec's ``compute(stats, protocol)`` gets one
layer's values of the statistics it named (``stats[name]``, see
:mod:`cselab.geometry.statistics`) and returns ``{output: value}``; it holds no state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cselab.geometry.protocols import Protocol

#: the report's sections, in reading order
SECTIONS = (
    "isotropy",
    "contextualization",
    "norms",
    "rogue dimensions",
    "informativity",
    "spectrum",
)
LEVELS = ("token", "sentence")

Compute = Callable[[Mapping[str, Any], Protocol], dict[str, float]]


@dataclass(frozen=True)
class Output:
    """One output (or a numbered set of them: ``{k}`` stands for an integer) of a family.

    pattern:   output name, e.g. ``informativity_r2_k{k}``
    label:     human label, e.g. ``r² after removing the top {k} dimensions``
    section:   one of :data:`SECTIONS`
    paper:     the figure or table of the paper it mirrors (``"Xiao et al. 2023, Fig. 4"``)
    table_row: a row of that paper table (Tables 1 and 3 are tables, not figures)
    derived:   added by a transform of the tidy table (adjusted values), not by ``compute``
    """

    pattern: str
    label: str
    section: str
    paper: str = ""
    table_row: bool = False
    derived: bool = False

    def __post_init__(self) -> None:
        if self.section not in SECTIONS:
            raise ValueError(f"output {self.pattern!r}: section {self.section!r} not in {SECTIONS}")

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile("^" + re.escape(self.pattern).replace(r"\{k\}", r"(\d+)") + "$")

    def label_for(self, name: str) -> str:
        match = self.regex.match(name)
        number = match.group(1) if match and match.groups() else ""
        return self.label.replace("{k}", number)


@dataclass(frozen=True)
class MetricSpec:
    """One metric family.

    name:        family name (``--metrics``); its outputs start with it where the names
                 are the paper's (see docs/geometry.md for the few historical exceptions)
    statistics:  the running statistics ``compute`` reads
    compute:     pure ``compute(stats, protocol) -> {output: value}`` for one layer
    outputs:     every output it can produce, with its display
    knobs:       the :class:`~cselab.geometry.protocols.Protocol` fields it reads
    levels:      "token" and/or "sentence" (pooled sentence embeddings)
    sample_rows: rows of the token sample it reads (None: it reads no sample)
    details:     optional ``details(stats, protocol)`` kept beside the table (per-token
                 self-similarity for the frequency analysis)
    extra_statistics: statistics it reads only under some protocols (informativity's
                 self-similarity ranking), as ``extra_statistics(protocol)``
    summary:     one line for docs and ``--help``
    """

    name: str
    statistics: tuple[str, ...]
    compute: Compute
    outputs: tuple[Output, ...]
    knobs: tuple[str, ...] = ()
    levels: tuple[str, ...] = LEVELS
    sample_rows: Callable[[Protocol], int] | None = None
    details: Callable[[Mapping[str, Any], Protocol], Any] | None = None
    extra_statistics: Callable[[Protocol], tuple[str, ...]] | None = None
    summary: str = ""

    def needs(self, protocol: Protocol, level: str) -> tuple[str, ...]:
        """The statistics this family reads at ``level`` under ``protocol``."""
        extra = (
            self.extra_statistics(protocol) if self.extra_statistics and level == "token" else ()
        )
        return tuple(dict.fromkeys((*self.statistics, *extra)))
