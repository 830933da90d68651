"""Learning dynamics: the tidy tables of several training runs, combined.

Each run directory holds ``metrics.csv`` (written by ``cselab train``). The combined
table has one block per run; :func:`rows_at_layers` picks the rows a figure of one metric
against step shows (by default each run's last hidden state, as in Xiao et al. 2023,
Figs 8-23); the figures are drawn by :mod:`cselab.report.dynamics_pngs` (``cselab dynamics``) and
:mod:`cselab.report.dynamics_figures` (the report).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cselab.errors import CselabError
from cselab.io.atomic import write_text
from cselab.io.yaml_text import load_yaml
from cselab.results.table import NO_LAYER, NO_STEP, concat_tables, read_table

METRICS_FILE = "metrics.csv"
CONFIG_FILE = "config.yaml"
#: beside dynamics.csv: each run's folder and configuration (:func:`run_records`)
RUNS_FILE = "runs.json"


def _run_table(run_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """One run's table; rows without a run name get the run folder's name."""
    path = Path(run_dir)
    table_path = path / METRICS_FILE if path.is_dir() else path
    if not table_path.is_file():
        raise CselabError(f"run directory {str(run_dir)!r} has no {METRICS_FILE}{_why(path)}")
    frame = read_table(table_path)
    if frame.empty:
        raise CselabError(f"results table {str(table_path)!r} has no rows")
    if (frame["step"] == NO_STEP).all():
        raise CselabError(
            f"results table {str(table_path)!r} has no training steps: it is not a training "
            "run (cselab geometry and compare measure one model); give run folders written "
            "by cselab train or cselab sweep"
        )
    frame.loc[frame["run"] == "", "run"] = path.name if path.is_dir() else path.parent.name
    return frame


def read_runs(run_dirs: Sequence[str | os.PathLike[str]]) -> pd.DataFrame:
    """Concatenate the runs' tables; a row without a run name gets its directory's name.
    A table without rows, or a run name that two inputs share (the same run given twice,
    say), is an error: their rows would be drawn as one line."""
    if not run_dirs:
        raise CselabError("give at least one run directory")
    frames = []
    owner: dict[str, str] = {}
    for run_dir in run_dirs:
        frame = _run_table(run_dir)
        for run in frame["run"].unique():
            if run in owner:
                raise CselabError(
                    f"run {run!r} is in both {owner[run]!r} and {str(run_dir)!r}: give each "
                    "run once (runs of two sweeps need different run names)"
                )
            owner[str(run)] = str(run_dir)
        frames.append(frame)
    return concat_tables(frames)


def run_records(run_dirs: Sequence[str | os.PathLike[str]]) -> dict[str, dict]:
    """run -> {"dir": its folder, "config": its config.yaml} for every run folder given
    that has a config (written as ``runs.json`` beside ``dynamics.csv``, so the report can
    label each run by what differs in its configuration)."""
    records: dict[str, dict] = {}
    for run_dir in run_dirs:
        path = Path(run_dir)
        folder = path if path.is_dir() else path.parent
        if not (folder / CONFIG_FILE).is_file():
            continue
        config = load_yaml((folder / CONFIG_FILE).read_text(encoding="utf-8"))
        for run in _run_table(run_dir)["run"].unique():
            records[str(run)] = {"dir": str(folder), "config": config}
    return records


def write_run_records(
    run_dirs: Sequence[str | os.PathLike[str]], out_dir: str | os.PathLike[str]
) -> Path:
    """Write :func:`run_records` as ``OUT_DIR/runs.json`` (atomically)."""
    text = json.dumps({"runs": run_records(run_dirs)}, indent=2, default=str)
    return write_text(Path(out_dir) / RUNS_FILE, text, what="run records")


def _why(path: Path) -> str:
    """Why a folder may lack its table: a sweep folder, or a run trained without probes."""
    if any(path.glob(f"*/{METRICS_FILE}")):
        return f" (it holds run folders: give them, e.g. {path}/*)"
    if (path / "config.yaml").is_file():
        return " (a run trained with probe_every: null records no metrics)"
    return ""


def rows_at_layers(
    rows: pd.DataFrame, layers: Sequence[int] | str | None = None
) -> tuple[pd.DataFrame, list[int]]:
    """One metric's rows at the layers to draw, and those layers (none for a metric without
    layers, whose rows are returned as they are). ``layers``: ``None`` = each run's last
    layer (runs of different depth each at their own), ``"all"``, or a list (-1 = a run's
    last). When more than one layer is drawn, each run is relabelled ``run · layer N``: one
    line per run and layer."""
    if not (rows["layer"] != NO_LAYER).any():
        return rows, []
    last = rows["layer"] == rows.groupby("run")["layer"].transform("max")  # each run's last
    if layers is None:
        keep = last
    elif layers == "all":
        keep = rows["layer"] != NO_LAYER
    else:
        keep = rows["layer"].isin(set(layers) - {-1}) | (last & (-1 in layers))
    chosen = rows[keep]
    drawn = sorted(int(x) for x in set(chosen["layer"]))
    if len(drawn) > 1:
        layer_names = " · layer " + chosen["layer"].astype(str)
        chosen = chosen.assign(run=chosen["run"].astype(str) + layer_names)
    return chosen, drawn


def metric_at_layer(
    table: pd.DataFrame, metric: str, layer: int | None = None
) -> tuple[pd.DataFrame, list[int]]:
    """One metric's rows as a figure against step shows them, and the layers drawn
    (:func:`rows_at_layers`); ``layer`` None = each run's last, else that hidden state,
    which every run measuring the metric per layer must have."""
    rows = table[table["metric"] == metric]
    if layer is not None and (rows["layer"] != NO_LAYER).any():
        missing = sorted(set(rows["run"]) - set(rows.loc[rows["layer"] == layer, "run"]))
        if missing:
            raise CselabError(f"metric {metric!r} has no rows for layer {layer} in {missing}")
    return rows_at_layers(rows, None if layer is None else [layer])
