"""Figures of ``cselab dynamics``: every metric against training step, one line per run
(Xiao et al. 2023, Figs 8-23), from the runs' combined tidy table
(:func:`cselab.results.dynamics.read_runs`); the rows come from
:func:`cselab.results.dynamics.metric_at_layer`, nothing is computed here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cselab import progress
from cselab.errors import CselabError
from cselab.report.plots import figure_file, plot_over_steps, save_figure
from cselab.results.dynamics import metric_at_layer


def plot_dynamics(
    table: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    metrics: Sequence[str] | None = None,
    layer: int | None = None,
) -> list[Path]:
    """One PNG per metric (metric against step, one line per run); returns the paths.

    ``layer``: which hidden state to draw for per-layer metrics (default: each run's last
    one; runs whose last layers differ, models of different depth, are then drawn each at
    its own last layer, named in the legend).
    """
    chosen = list(metrics) if metrics else sorted(table["metric"].unique())
    unknown = sorted(set(chosen) - set(table["metric"]))
    if unknown:
        raise CselabError(f"metric(s) {unknown} are not in the runs' tables")
    written = []
    with progress.task("dynamics: figures", total=len(chosen), unit="figures") as task:
        for metric in chosen:
            rows, drawn = metric_at_layer(table, metric, layer)
            figure = plot_over_steps(rows, metric, layer=drawn[0] if len(drawn) == 1 else None)
            written.append(save_figure(figure, Path(out_dir) / figure_file(metric)))
            task.advance()
    return written
