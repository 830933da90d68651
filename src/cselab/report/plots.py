"""Matplotlib figures drawn from the tidy table (no metric is computed here).

``plot_over_layers``: one line per model, metric against layer (Xiao et al. 2023, Figs 2-7).
``plot_over_steps``: one line per run, metric against training step (Figs 8-23).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from cselab.errors import CselabError  # noqa: E402
from cselab.io.atomic import write_bytes  # noqa: E402
from cselab.report.figure_events import figure_done  # noqa: E402


def metric_rows(table: pd.DataFrame, metric: str, table_name: str = "the table") -> pd.DataFrame:
    """The rows of one metric of a tidy table; none is an error naming the table."""
    rows = table[table["metric"] == metric]
    if rows.empty:
        raise CselabError(f"{table_name} has no rows for metric {metric!r}")
    return rows


def plot_over_layers(table: pd.DataFrame, metric: str, *, layer_filter: int = 0):
    """Metric against layer, one line per model (rows with layer >= ``layer_filter``)."""
    rows = metric_rows(table, metric)
    rows = rows[rows["layer"] >= layer_filter]
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for model, group in rows.groupby("model", sort=False):
        group = group.sort_values("layer")
        ax.plot(group["layer"], group["value"], marker="o", label=str(model) or "model")
    ax.set_xlabel("layer (0 = input embeddings)")
    ax.set_ylabel(metric)
    ax.set_title(metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_over_steps(table: pd.DataFrame, metric: str, *, layer: int | None = None):
    """Metric against training step, one line per run (optionally one layer only)."""
    rows = metric_rows(table, metric)
    if layer is not None:
        rows = rows[rows["layer"] == layer]
        if rows.empty:
            raise CselabError(f"metric {metric!r} has no rows for layer {layer}")
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for run, group in rows.groupby("run", sort=False):
        group = group.groupby("step", as_index=False)["value"].mean().sort_values("step")
        ax.plot(group["step"], group["value"], marker=".", label=str(run) or "run")
    ax.set_xlabel("training step")
    ax.set_ylabel(metric)
    ax.set_title(metric if layer is None else f"{metric} (layer {layer})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def figure_file(metric: str) -> str:
    """A file name for a metric's figure (runs of other characters become one _)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", metric) + ".png"


def save_figure(fig, path: str | os.PathLike[str]) -> Path:
    """Save a figure as PNG (atomically: complete or absent) and close it."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    written = write_bytes(out, buffer.getvalue(), what="figure")
    figure_done()
    return written
