"""Figures of ``cselab geometry --plots`` / ``cselab compare --plots``: one PNG per metric.

Each figure is a metric against layer, one line per model (Xiao et al. 2023, Figs 2-7),
drawn from the tidy table that :mod:`cselab.geometry.outputs` writes; nothing is computed
here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from cselab.report.plots import figure_file, plot_over_layers, save_figure


def write_geometry_figures(table: pd.DataFrame, out_dir: str | os.PathLike[str]) -> list[Path]:
    """``OUT/plots/<metric>.png`` for every metric of ``table``, metric over layers."""
    plots = Path(out_dir) / "plots"
    return [
        save_figure(plot_over_layers(table, metric), plots / figure_file(metric))
        for metric in table["metric"].unique()
    ]
