"""Learning dynamics: the tidy tables of several training runs, and their plots.

Each run directory holds ``metrics.csv`` (written by ``cselab train``). The combined
table has one block per run; :func:`plot_dynamics` draws every metric against step, one line
per run (Xiao et al. 2023, Figs 8-23). Metrics measured per layer are drawn at one layer —
by default the last hidden state, as in the paper's figures.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cselab.errors import CselabError
from cselab.report.plots import plot_over_steps, save_figure
from cselab.results.table import NO_LAYER, concat_tables, read_table

METRICS_FILE = "metrics.csv"


def read_runs(run_dirs: Sequence[str | os.PathLike[str]]) -> pd.DataFrame:
    """Concatenate the runs' tables; a row without a run name gets its directory's name."""
    if not run_dirs:
        raise CselabError("give at least one run directory")
    frames = []
    for run_dir in run_dirs:
        path = Path(run_dir)
        table_path = path / METRICS_FILE if path.is_dir() else path
        if not table_path.is_file():
            raise CselabError(f"run directory {str(run_dir)!r} has no {METRICS_FILE}")
        frame = read_table(table_path)
        frame.loc[frame["run"] == "", "run"] = path.name if path.is_dir() else path.parent.name
        frames.append(frame)
    return concat_tables(frames)


def _file_name(metric: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", metric) + ".png"


def plot_dynamics(
    table: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    metrics: Sequence[str] | None = None,
    layer: int | None = None,
) -> list[Path]:
    """One PNG per metric (metric against step, one line per run); returns the paths.

    ``layer``: which hidden state to draw for per-layer metrics (default: the last one).
    """
    chosen = list(metrics) if metrics else sorted(table["metric"].unique())
    unknown = sorted(set(chosen) - set(table["metric"]))
    if unknown:
        raise CselabError(f"metric(s) {unknown} are not in the runs' tables")
    written = []
    for metric in chosen:
        rows = table[table["metric"] == metric]
        layers = sorted(set(rows["layer"]) - {NO_LAYER})
        pick = None
        if layers:
            pick = layers[-1] if layer is None else layer
        figure = plot_over_steps(rows, metric, layer=pick)
        written.append(save_figure(figure, Path(out_dir) / _file_name(metric)))
    return written
