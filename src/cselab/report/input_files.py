"""Recognise one report input by the files cselab writes, and read it into the inputs.

A folder is read by what it holds: ``dynamics.csv`` (``cselab dynamics``),
``gradients.csv`` (``cselab gradients``), ``metrics.csv`` with ``config.yaml`` or a
training ``summary.json`` (a run), ``metrics.csv`` with a geometry ``summary.json``
(``cselab geometry``/``compare``; ``ssc_*.csv`` too), run folders (``cselab sweep``),
``cselab evaluate`` JSON files. A file of such a folder (``metrics.csv``, ``summary.json``,
``config.yaml``, ...) reads its folder; an evaluate JSON or a tidy CSV is read alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import yaml

from cselab.errors import CselabError
from cselab.io.yaml_text import load_yaml
from cselab.report.inputs import ReportInputs, Source
from cselab.results.dynamics import RUNS_FILE
from cselab.results.kinds import GRADIENTS_KIND, STS_KIND as RESULT_KIND  # no torch
from cselab.results.table import read_table
from cselab.training.run_log import SUMMARY_KIND as RUN_KIND

SSC_FILES = {
    "ssc_tokens.csv": "ssc_tokens",
    "ssc_extremes.csv": "ssc_extremes",
    "ssc_correlation.csv": "ssc_correlation",
}
FOLDER_FILES = (
    "metrics.csv", "dynamics.csv", "gradients.csv", "summary.json", "config.yaml", RUNS_FILE,
    *SSC_FILES,
)  # fmt: skip
#: the protocol of the geometry a training run probes (cselab.training.probes)
PROBE_PROTOCOL = "default"
_NOT_SETTINGS = ("kind", "versions", "created_utc")


def _read_mapping(path: Path, parse: Callable[[str], object], error: type[Exception], fmt: str):
    try:
        data = parse(path.read_text(encoding="utf-8"))
    except (error, UnicodeDecodeError) as exc:
        raise CselabError(f"{path}: not valid {fmt} ({exc})") from exc
    if not isinstance(data, dict):
        raise CselabError(f"{path}: expected a {fmt} mapping at the top level")
    return data


def read_json(path: Path) -> dict:
    return _read_mapping(path, json.loads, json.JSONDecodeError, "JSON")


def read_yaml(path: Path) -> dict:
    return _read_mapping(path, load_yaml, yaml.YAMLError, "YAML")


def summary_kind(data: dict) -> str | None:
    """Which cselab command wrote this summary.json (None: none did)."""
    if data.get("kind") == RUN_KIND:
        return "run"
    if data.get("kind") == GRADIENTS_KIND:
        return "gradients"
    if isinstance(data.get("models"), list):
        return "compare"
    if isinstance(data.get("protocol"), dict) and "model" in data:
        return "geometry"
    return None


def _versions(data: dict) -> dict[str, str]:
    found = data.get("versions")
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _is_output_folder(folder: Path) -> bool:
    return any((folder / name).is_file() for name in FOLDER_FILES[:3]) or (
        (folder / "summary.json").is_file()
        and summary_kind(read_json(folder / "summary.json")) is not None
    )


def _sts_files(folder: Path) -> list[Path]:
    return [
        p
        for p in sorted(folder.glob("*.json"))
        if p.name not in ("summary.json", RUNS_FILE) and read_json(p).get("kind") == RESULT_KIND
    ]


def _is_run(folder: Path) -> bool:
    summary = folder / "summary.json"
    return (folder / "config.yaml").is_file() or (
        summary.is_file() and summary_kind(read_json(summary)) == "run"
    )


def _read_run(folder: Path, inputs: ReportInputs, source: Source) -> None:
    """A training run's table (runs named by their folder when unnamed) and config."""
    run = folder.name
    if (folder / "metrics.csv").is_file():
        table = read_table(folder / "metrics.csv")
        table.loc[table["run"] == "", "run"] = run
        inputs.add_table(table, source, PROBE_PROTOCOL)
        run = str(table["run"].iloc[0]) if not table.empty else run
        source.files.append(str(folder / "metrics.csv"))
    if (folder / "config.yaml").is_file():
        source.configs[run] = read_yaml(folder / "config.yaml")
    if (folder / "summary.json").is_file():
        source.versions = source.versions or _versions(read_json(folder / "summary.json"))


def _read_geometry(folder: Path, summary: dict, inputs: ReportInputs, source: Source) -> None:
    """metrics.csv of geometry/compare, each row tagged with its model's protocol."""
    records = summary["models"] if isinstance(summary.get("models"), list) else [summary]
    for record in records:
        if isinstance(record, dict) and isinstance(record.get("protocol"), dict):
            key = (str(record.get("model", "")), str(record.get("corpus", "")))
            source.protocols[key] = record["protocol"]
    if isinstance(summary.get("ssc_correlation"), dict):
        source.settings["ssc_correlation"] = summary["ssc_correlation"]
    for pair in summary.get("pairs", []):
        if isinstance(pair, dict) and "vanilla" in pair and "finetuned" in pair:
            source.pairs.append((str(pair["vanilla"]), str(pair["finetuned"])))
    if (folder / "metrics.csv").is_file():
        table = read_table(folder / "metrics.csv")
        names = [
            str(source.protocols.get((m, c), {}).get("name", ""))
            for m, c in zip(table["model"], table["corpus"], strict=True)
        ]
        inputs.add_table(table, source, pd.Series(names, index=table.index, dtype=str))
        source.files.append(str(folder / "metrics.csv"))


def _read_ssc(folder: Path, inputs: ReportInputs, source: Source) -> None:
    for name, kind in SSC_FILES.items():
        if (folder / name).is_file():
            try:
                frame = pd.read_csv(folder / name, keep_default_na=False, na_values=[""])
            except (pd.errors.ParserError, UnicodeDecodeError) as exc:
                raise CselabError(f"{folder / name}: not a readable CSV ({exc})") from exc
            inputs.ssc.setdefault(kind, []).append(frame)
            source.files.append(str(folder / name))


def _read_sts(path: Path, inputs: ReportInputs, source: Source) -> None:
    data = read_json(path)
    inputs.sts.append(data)
    source.versions = source.versions or _versions(data)
    source.files.append(str(path))


def _read_dynamics(folder: Path, inputs: ReportInputs, source: Source) -> None:
    inputs.add_table(read_table(folder / "dynamics.csv"), source, PROBE_PROTOCOL)
    source.files.append(str(folder / "dynamics.csv"))
    if (folder / RUNS_FILE).is_file():
        for run, record in read_json(folder / RUNS_FILE).get("runs", {}).items():
            if isinstance(record, dict) and isinstance(record.get("config"), dict):
                source.configs[str(run)] = record["config"]


def _read_gradients(table_path: Path, inputs: ReportInputs, source: Source) -> None:
    inputs.add_table(read_table(table_path), source, "")
    source.files.append(str(table_path))
    summary = table_path.parent / "summary.json"
    if summary.is_file():
        data = read_json(summary)
        if summary_kind(data) == "gradients":
            source.settings = {k: v for k, v in data.items() if k not in _NOT_SETTINGS}
            source.versions = _versions(data)


def read_folder(folder: Path, inputs: ReportInputs) -> Source:
    """One cselab output folder (see the module doc); anything else raises."""
    summary = read_json(folder / "summary.json") if (folder / "summary.json").is_file() else {}
    kind = summary_kind(summary)
    if (folder / "dynamics.csv").is_file():
        source = Source(str(folder), "dynamics")
        _read_dynamics(folder, inputs, source)
    elif (folder / "gradients.csv").is_file():
        source = Source(str(folder), "gradients")
        _read_gradients(folder / "gradients.csv", inputs, source)
    elif _is_run(folder):
        source = Source(str(folder), "run")
        _read_run(folder, inputs, source)
    elif kind in ("geometry", "compare") or (folder / "metrics.csv").is_file():
        source = Source(str(folder), kind or "table", versions=_versions(summary))
        _read_geometry(folder, summary, inputs, source)
    else:
        runs = [sub for sub in sorted(folder.iterdir()) if sub.is_dir() and _is_run(sub)]
        source = Source(str(folder), "sweep" if runs else "sts")
        for run in runs:
            _read_run(run, inputs, source)
    _read_ssc(folder, inputs, source)
    for path in _sts_files(folder):
        _read_sts(path, inputs, source)
    if not source.files and not source.configs:
        raise CselabError(
            f"report input directory {str(folder)!r} is not a cselab output: it holds none "
            "of metrics.csv, dynamics.csv, gradients.csv, ssc_*.csv, a cselab evaluate JSON "
            "or training run folders"
        )
    return source


def _not_an_output(path: Path, what: str) -> CselabError:
    return CselabError(
        f"report input {str(path)!r} is not a cselab output: {what} (give an output folder "
        "of cselab geometry, compare, gradients, train, sweep or dynamics, a cselab "
        "evaluate JSON, or a tidy CSV)"
    )


def read_input(path: Path, inputs: ReportInputs) -> Source:
    """A folder or file given to the report, read into ``inputs``; return its source."""
    if path.is_dir():
        return read_folder(path, inputs)
    suffix = path.suffix.lower()
    if path.name in FOLDER_FILES and _is_output_folder(path.parent):
        return read_folder(path.parent, inputs)
    if suffix == ".json":
        data = read_json(path)
        if data.get("kind") != RESULT_KIND:
            raise _not_an_output(path, "a JSON file that is neither a cselab evaluate result "
                                       "nor the summary.json of a cselab output folder")  # fmt: skip
        source = Source(str(path), "sts")
        _read_sts(path, inputs, source)
        return source
    if suffix == ".csv":
        table = read_table(path)
        if {"mu_pos", "mu_neg"} <= set(table.columns):
            source = Source(str(path), "gradients")
            _read_gradients(path, inputs, source)
            return source
        source = Source(str(path), "table", files=[str(path)])
        inputs.add_table(table, source, "")
        return source
    if suffix in (".yaml", ".yml"):
        raise _not_an_output(path, "a YAML file outside a training run folder")
    raise _not_an_output(path, "expected a folder, .csv or .json file")
