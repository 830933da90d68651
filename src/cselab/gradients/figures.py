"""Figures of the gradient-parts grid, drawn from its tidy table (Li et al. 2024, Figs 2-4).

- heatmaps of mean dissipation and ratio over (μ_pos, μ_neg), one per temperature;
- curves of the hardest negative's weight share against μ_neg, one line per temperature.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from cselab.report.plots import metric_rows, save_figure  # noqa: E402


def _rows(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    return metric_rows(table, metric, "the gradient grid table")


def _temperature_label(tau: float) -> str:
    return "no temperature" if math.isnan(tau) else f"τ = {tau:g}"


def plot_part_heatmap(table: pd.DataFrame, metric: str, temperature: float):
    """Heatmap of ``metric`` over μ_pos (rows) × μ_neg (columns) at one temperature."""
    rows = _rows(table, metric)
    rows = (
        rows[rows["temperature"].isna()]
        if math.isnan(temperature)
        else rows[rows["temperature"] == temperature]
    )
    grid = rows.pivot_table(index="mu_pos", columns="mu_neg", values="value", aggfunc="mean")
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    image = ax.imshow(grid.values, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(grid.columns)), [f"{v:.2f}" for v in grid.columns], rotation=90)
    ax.set_yticks(range(len(grid.index)), [f"{v:.2f}" for v in grid.index])
    ax.set_xlabel("μ_neg (mean negative cosine)")
    ax.set_ylabel("μ_pos (positive cosine)")
    loss = ", ".join(sorted(set(rows["run"])))
    ax.set_title(f"{loss}: {metric} ({_temperature_label(temperature)})", fontsize=9)
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    return fig


def plot_weight_share_curves(table: pd.DataFrame):
    """Mean share of the hardest negative against μ_neg, one line per temperature."""
    rows = _rows(table, "hardest_weight_share").copy()
    rows["temperature"] = rows["temperature"].fillna(math.nan)
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    for tau, group in rows.groupby(rows["temperature"].fillna(-1.0), sort=True):
        curve = group.groupby("mu_neg")["value"].mean()
        label = _temperature_label(math.nan if tau == -1.0 else float(tau))
        ax.plot(curve.index, curve.values, marker="o", label=label)
    ax.set_xlabel("μ_neg (mean negative cosine)")
    ax.set_ylabel("weight share of the hardest negative")
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def write_grid_figures(table: pd.DataFrame, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Save every figure of a grid table as PNG under ``out_dir``; return the paths."""
    out = Path(out_dir)
    paths = [save_figure(plot_weight_share_curves(table), out / "hardest_weight_share.png")]
    temperatures = table["temperature"].drop_duplicates().tolist()
    for metric in ("dissipation", "ratio"):
        for tau in temperatures:
            suffix = "" if math.isnan(tau) else f"_tau{tau:g}"
            fig = plot_part_heatmap(table, metric, float(tau))
            paths.append(save_figure(fig, out / f"{metric}{suffix}.png"))
    return paths
