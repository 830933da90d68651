"""Gather what a report shows from cselab output folders and files (nothing is computed here).

Accepted, each recognised by the files cselab writes (:mod:`cselab.report.input_files`):

- ``cselab geometry --out DIR`` (``metrics.csv`` + ``summary.json`` with the protocol);
- ``cselab compare --out DIR`` (the same for every model, ``ssc_*.csv``, the pairs);
- ``cselab gradients --out DIR`` or its ``gradients.csv`` (grid settings in ``summary.json``);
- a training run (``metrics.csv``, ``config.yaml``, ``summary.json``) and a sweep folder
  (a folder of runs);
- ``cselab dynamics --out DIR`` (``dynamics.csv``; each run's config in ``runs.json``);
- a ``cselab evaluate`` JSON (``"kind": "cselab-sts"``), or a folder of them;
- a file of one of those folders (its folder is read), or any tidy CSV.

Anything else is an error naming the input. Every row read is tagged with the input it
came from (``source``: index into :attr:`ReportInputs.sources`) and, for geometry rows, the
measurement protocol its input records (``geometry_protocol``; training probes measure with
``default``; "" when the input does not say).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cselab.errors import CselabError
from cselab.results.table import concat_tables

SOURCE, PROTOCOL = "source", "geometry_protocol"
#: what each kind of input is called on the page
KINDS = {
    "geometry": "cselab geometry",
    "compare": "cselab compare",
    "gradients": "cselab gradients",
    "run": "training run",
    "sweep": "cselab sweep",
    "dynamics": "cselab dynamics",
    "sts": "cselab evaluate",
    "table": "tidy table",
}


@dataclass
class Source:
    """One input, with the provenance its files record.

    protocols: (model, corpus) -> the geometry protocol's fields (geometry, compare)
    configs:   run -> its training config (runs, sweeps, dynamics folders with runs.json)
    settings:  the gradient grid's settings (``cselab gradients``'s summary.json)
    pairs:     (vanilla, fine-tuned) model names (``cselab compare``)
    """

    path: str
    kind: str
    protocols: dict[tuple[str, str], dict] = field(default_factory=dict)
    configs: dict[str, dict] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.path} ({KINDS[self.kind]})"


@dataclass
class ReportInputs:
    """Everything a report can show, read from the inputs."""

    sources: list[Source] = field(default_factory=list)
    tables: list[pd.DataFrame] = field(default_factory=list)
    ssc: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    sts: list[dict] = field(default_factory=list)

    def metrics(self) -> pd.DataFrame:
        """All tidy tables stacked, tagged (empty table when none was given)."""
        table = concat_tables(self.tables)
        for column, empty in ((SOURCE, -1), (PROTOCOL, "")):
            if column not in table.columns:
                table[column] = empty
        table[SOURCE] = table[SOURCE].fillna(-1).astype(int)
        table[PROTOCOL] = table[PROTOCOL].fillna("").astype(str)
        return table

    def ssc_frame(self, kind: str) -> pd.DataFrame | None:
        frames = self.ssc.get(kind, [])
        return pd.concat(frames, ignore_index=True) if frames else None

    def pairs(self) -> list[tuple[str, str]]:
        """Every (vanilla, fine-tuned) pair of model names the inputs compare, once."""
        return list(dict.fromkeys(pair for s in self.sources for pair in s.pairs))

    def run_configs(self) -> dict[str, dict]:
        """run -> training config, over every input that records one."""
        configs: dict[str, dict] = {}
        for source in self.sources:
            for run, config in source.configs.items():
                configs.setdefault(run, config)
        return configs

    def add_table(self, frame: pd.DataFrame, source: Source, protocol: pd.Series | str) -> None:
        """Tag ``frame`` with ``source`` (appended to the sources if new) and its protocol."""
        if source not in self.sources:
            self.sources.append(source)
        index = self.sources.index(source)
        self.tables.append(frame.assign(**{SOURCE: index, PROTOCOL: protocol}))


def collect_inputs(paths: Sequence[str | os.PathLike[str]]) -> ReportInputs:
    """Read every input (see the module doc); one that is not a cselab output raises."""
    from cselab.report.input_files import read_input

    if not paths:
        raise CselabError("give at least one report input (a cselab output folder or file)")
    inputs = ReportInputs()
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise CselabError(f"report input {str(path)!r} does not exist")
        source = read_input(path, inputs)
        if source not in inputs.sources:
            inputs.sources.append(source)
    return inputs
