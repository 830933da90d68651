"""Gather what a report shows from files and run directories (nothing is computed here).

An input is a file or a directory. In a directory these are read when present:
``metrics.csv`` (tidy table), ``dynamics.csv`` (the runs' tables combined by
``cselab dynamics``), ``gradients.csv`` (from ``cselab gradients``), ``summary.json``,
``config.yaml``, ``ssc_tokens.csv``, ``ssc_extremes.csv``, ``ssc_correlation.csv`` (from ``cselab compare``), and any ``*.json``
written by ``cselab evaluate`` (``"kind": "cselab-sts"``). A file is recognised by its name
(the SSC files, ``config.yaml``/``*.yml``) or content (STS JSON vs other JSON; any other CSV
is a tidy table).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from cselab.errors import CselabError
from cselab.evaluation.suite import RESULT_KIND
from cselab.io.yaml_text import load_yaml
from cselab.results.table import concat_tables, read_table

SSC_FILES = {
    "ssc_tokens.csv": "ssc_tokens",
    "ssc_extremes.csv": "ssc_extremes",
    "ssc_correlation.csv": "ssc_correlation",
}
DIRECTORY_FILES = (
    "metrics.csv",
    "dynamics.csv",
    "gradients.csv",
    "summary.json",
    "config.yaml",
    *SSC_FILES,
)


@dataclass
class ConfigRecord:
    """One configuration/provenance file shown verbatim (parsed, then pretty-printed)."""

    label: str
    content: dict
    versions: dict[str, str] = field(default_factory=dict)


@dataclass
class ReportInputs:
    """Everything a report can show, read from the inputs."""

    tables: list[pd.DataFrame] = field(default_factory=list)
    ssc: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    sts: list[dict] = field(default_factory=list)
    configs: list[ConfigRecord] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def metrics(self) -> pd.DataFrame:
        """All tidy tables stacked (empty table when none was given)."""
        return concat_tables(self.tables)

    def ssc_frame(self, kind: str) -> pd.DataFrame | None:
        frames = self.ssc.get(kind, [])
        return pd.concat(frames, ignore_index=True) if frames else None


def _read_mapping(
    path: Path,
    parse: Callable[[str], object],
    parse_error: type[Exception],
    format_name: str,
    top_level: str,
) -> dict:
    """The file parsed by ``parse``; invalid text or a top level other than a mapping raises."""
    try:
        data = parse(path.read_text(encoding="utf-8"))
    except (parse_error, UnicodeDecodeError) as exc:
        raise CselabError(f"{path}: not valid {format_name} ({exc})") from exc
    if not isinstance(data, dict):
        raise CselabError(f"{path}: expected {top_level} at the top level")
    return data


def _read_json(path: Path) -> dict:
    return _read_mapping(path, json.loads, json.JSONDecodeError, "JSON", "a JSON object")


def _read_yaml(path: Path) -> dict:
    return _read_mapping(path, load_yaml, yaml.YAMLError, "YAML", "a mapping")


def _versions(data: dict) -> dict[str, str]:
    found = data.get("versions")
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _read_file(path: Path, inputs: ReportInputs) -> None:
    name = path.name
    if name in SSC_FILES:
        try:
            frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise CselabError(f"{path}: not a readable CSV ({exc})") from exc
        inputs.ssc.setdefault(SSC_FILES[name], []).append(frame)
    elif path.suffix.lower() == ".csv":
        inputs.tables.append(read_table(path))
    elif path.suffix.lower() == ".json":
        data = _read_json(path)
        if data.get("kind") == RESULT_KIND:
            inputs.sts.append(data)
            shown = {k: v for k, v in data.items() if k != "datasets"}
            inputs.configs.append(ConfigRecord(str(path), shown, _versions(data)))
        else:
            inputs.configs.append(ConfigRecord(str(path), data, _versions(data)))
    elif path.suffix.lower() in (".yaml", ".yml"):
        data = _read_yaml(path)
        inputs.configs.append(ConfigRecord(str(path), data, _versions(data)))
    else:
        raise CselabError(
            f"report input {str(path)!r}: expected a run directory, .csv, .json or .yaml file"
        )
    inputs.sources.append(str(path))


def collect_inputs(paths: Sequence[str | os.PathLike[str]]) -> ReportInputs:
    """Read every input (see module doc); a directory with nothing known raises."""
    if not paths:
        raise CselabError("give at least one report input (a run directory or a file)")
    inputs = ReportInputs()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            known = [path / n for n in DIRECTORY_FILES if (path / n).is_file()]
            extra = [
                p
                for p in sorted(path.glob("*.json"))
                if p.name != "summary.json" and _read_json(p).get("kind") == RESULT_KIND
            ]
            if not known and not extra:
                raise CselabError(
                    f"report input directory {str(path)!r} holds none of "
                    f"{list(DIRECTORY_FILES)} and no cselab evaluate JSON"
                )
            for file in [*known, *extra]:
                _read_file(file, inputs)
        elif path.is_file():
            _read_file(path, inputs)
        else:
            raise CselabError(f"report input {str(path)!r} does not exist")
    return inputs
