"""Figures of the gradient parts (Li et al. 2024, Figs 2-4), drawn from their tidy table.

Tables from :mod:`cselab.gradients.li2024` (``protocol`` = "li2024", axes: angles in
units of π):

- Fig. 2: mean dissipation over μ_pos × μ_neg, one panel per loss (and τ);
- Fig. 3: share of the hardest negative against μ_neg, one panel per loss with a
  temperature, one line per τ;
- Fig. 4: the ratio over μ_pos × μ_neg, one panel per loss whose ratio varies (InfoNCE,
  MPT and the sg surrogate have a constant one), cells that do not occur in optimisation
  shaded, colours from 0 to 5 as the authors draw it.

Tables from :mod:`cselab.gradients.grid` (``protocol`` = "cosine", axes: cosines): heatmaps
of dissipation and ratio per τ and the weight-share curves.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

from cselab.errors import CselabError  # noqa: E402
from cselab.report.plots import metric_rows, save_figure  # noqa: E402

LI2024 = "li2024"
COSINE = "cosine"
FIGURE_FILES = {
    "dissipation": "figure2_dissipation.png",
    "weight": "figure3_weight.png",
    "ratio": "figure4_ratio.png",
}
RATIO_RANGE = (0.0, 5.0)  # the authors' colour range for Fig. 4


def _temperature_label(tau: float) -> str:
    return "no temperature" if math.isnan(tau) else f"τ = {tau:g}"


def with_protocol(table: pd.DataFrame) -> pd.DataFrame:
    """The table with numeric ``temperature`` and a ``protocol`` column (absent: cosine)."""
    table = table.copy()
    if "temperature" not in table.columns:
        table["temperature"] = math.nan
    table["temperature"] = pd.to_numeric(table["temperature"], errors="coerce")
    if "protocol" not in table.columns:
        table["protocol"] = COSINE
    table["protocol"] = table["protocol"].fillna(COSINE).replace("", COSINE)
    return table


def _panels(rows: pd.DataFrame) -> list[tuple[str, float, pd.DataFrame]]:
    """(loss, τ, rows) per loss and temperature, in table order."""
    keys = rows[["run", "temperature"]].drop_duplicates().itertuples(index=False)
    panels = []
    for run, tau in keys:
        same_tau = rows["temperature"].isna() if math.isnan(tau) else rows["temperature"] == tau
        panels.append((str(run), float(tau), rows[(rows["run"] == run) & same_tau]))
    return panels


def _panel_title(run: str, tau: float) -> str:
    return run if math.isnan(tau) else f"{run} ({_temperature_label(tau)})"


def _figure(count: int, width: float = 4.0, height: float = 3.3):
    columns = min(3, count)
    lines = math.ceil(count / columns)
    fig, axes = plt.subplots(
        lines,
        columns,
        figsize=(width * columns, height * lines),
        squeeze=False,
        layout="constrained",
    )
    for ax in axes.ravel()[count:]:
        ax.set_visible(False)
    return fig, list(axes.ravel()[:count])


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around sorted grid values (midpoints; half a step beyond the ends)."""
    if len(centres) == 1:
        return np.array([centres[0] - 0.025, centres[0] + 0.025])
    middle = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[2 * centres[0] - middle[0]], middle, [2 * centres[-1] - middle[-1]]])


def _grid(rows: pd.DataFrame, metric: str) -> pd.DataFrame:
    """μ_pos (index) × μ_neg (columns) of one metric."""
    chosen = rows[rows["metric"] == metric]
    return chosen.pivot_table(index="mu_pos", columns="mu_neg", values="value", aggfunc="mean")


def _heatmap(ax, grid: pd.DataFrame, *, vmin: float, vmax: float):
    x, y = grid.columns.to_numpy(float), grid.index.to_numpy(float)
    ax.grid(False)
    return ax.pcolormesh(
        _edges(x), _edges(y), grid.to_numpy(float), vmin=vmin, vmax=vmax, cmap="viridis"
    )


def _angle_axes(ax, *, left: bool) -> None:
    ax.set_xlabel("μ_neg (angle / π)")
    if left:
        ax.set_ylabel("μ_pos (angle / π)")


def _li2024_rows(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    table = with_protocol(table)
    rows = table[(table["protocol"] == LI2024) & (table["metric"] == metric)]
    if rows.empty:
        raise CselabError(f"the gradient table has no li2024 rows for metric {metric!r}")
    return table[table["protocol"] == LI2024]


def plot_dissipation_panels(table: pd.DataFrame):
    """Fig. 2: mean gradient dissipation over μ_pos × μ_neg, one panel per loss (and τ)."""
    rows = _li2024_rows(table, "dissipation")
    panels = _panels(rows[rows["metric"] == "dissipation"])
    fig, axes = _figure(len(panels))
    image = None
    for index, (ax, (run, tau, part)) in enumerate(zip(axes, panels, strict=True)):
        image = _heatmap(ax, _grid(part, "dissipation"), vmin=0.0, vmax=1.0)
        ax.set_title(_panel_title(run, tau), fontsize=10)
        _angle_axes(ax, left=index % 3 == 0)
    fig.colorbar(image, ax=axes, label="mean dissipation D")
    fig.suptitle("Gradient dissipation (Li et al. 2024, Fig. 2 protocol)", fontsize=11)
    return fig


def plot_weight_panels(table: pd.DataFrame):
    """Fig. 3: mean share of the hardest negative against μ_neg, one line per τ."""
    rows = _li2024_rows(table, "hardest_weight_share")
    share = rows[rows["metric"] == "hardest_weight_share"]
    runs = drawn_losses(rows, "weight")
    x_range = (rows["mu_neg"].min() - 0.02, rows["mu_neg"].max() + 0.02)
    fig, axes = _figure(len(runs), height=3.1)
    for index, (ax, run) in enumerate(zip(axes, runs, strict=True)):
        part = share[share["run"] == run]
        for tau, curve in part.groupby("temperature", sort=True):
            curve = curve.sort_values("mu_neg")
            ax.plot(curve["mu_neg"], curve["value"], marker=".", label=f"τ = {tau:g}")
        mu_pos = part["mu_pos"].iloc[0] * math.pi
        ax.set_title(f"{run} (μ_pos = {mu_pos:.2g} rad)", fontsize=10)
        ax.set_xlabel("μ_neg (angle / π)")
        if index % 3 == 0:
            ax.set_ylabel("share of the hardest negative")
        ax.set_ylim(0, 1.02)
        ax.set_xlim(*x_range)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Weight on the hardest negative (Li et al. 2024, Fig. 3 protocol)", fontsize=11)
    return fig


def _varies(part: pd.DataFrame) -> bool:
    values = part.loc[part["metric"] == "ratio", "value"]
    return bool(values.max() - values.min() > 1e-9)


def _ratio_panels(rows: pd.DataFrame) -> list[tuple[str, float, pd.DataFrame]]:
    shown = rows[rows["metric"].isin(["ratio", "ratio_excluded"])]
    return [panel for panel in _panels(shown) if _varies(panel[2])]


def drawn_losses(table: pd.DataFrame, figure: str) -> list[str]:
    """The losses the li2024 ``figure`` ("dissipation", "weight", "ratio") draws, in order."""
    table = with_protocol(table)
    rows = table[table["protocol"] == LI2024]
    if figure == "ratio":
        return list(dict.fromkeys(run for run, _, _ in _ratio_panels(rows)))
    metric = {"dissipation": "dissipation", "weight": "hardest_weight_share"}[figure]
    return [str(run) for run in dict.fromkeys(rows.loc[rows["metric"] == metric, "run"])]


def plot_ratio_panels(table: pd.DataFrame):
    """Fig. 4: the ratio at the means over μ_pos × μ_neg for every loss whose ratio
    varies; cells with ``ratio_excluded`` = 1 shaded."""
    rows = _li2024_rows(table, "ratio")
    panels = _ratio_panels(rows)
    if not panels:
        raise CselabError("no loss in the gradient table has a ratio that varies over the grid")
    fig, axes = _figure(len(panels))
    image = None
    shade = ListedColormap(["black"])
    for index, (ax, (run, tau, part)) in enumerate(zip(axes, panels, strict=True)):
        image = _heatmap(ax, _grid(part, "ratio"), vmin=RATIO_RANGE[0], vmax=RATIO_RANGE[1])
        excluded = _grid(part, "ratio_excluded")
        if not excluded.empty:
            masked = np.ma.masked_where(excluded.to_numpy(float) < 0.5, excluded.to_numpy(float))
            x, y = excluded.columns.to_numpy(float), excluded.index.to_numpy(float)
            ax.pcolormesh(_edges(x), _edges(y), masked, cmap=shade, alpha=0.45, vmin=0, vmax=1)
        ax.set_title(_panel_title(run, tau), fontsize=10)
        _angle_axes(ax, left=index % 3 == 0)
    fig.colorbar(image, ax=axes, label="ratio r (at the means)", extend="max")
    fig.suptitle("Ratio; shaded: pairs that do not occur (Li et al. 2024, Fig. 4)", fontsize=11)
    return fig


def plot_part_heatmap(table: pd.DataFrame, metric: str, temperature: float):
    """Cosine protocol: heatmap of ``metric`` over μ_pos (rows) × μ_neg (columns) at one τ."""
    rows = metric_rows(with_protocol(table), metric, "the gradient grid table")
    same_tau = (
        rows["temperature"].isna()
        if math.isnan(temperature)
        else rows["temperature"] == temperature
    )
    grid = _grid(rows[same_tau], metric)
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
    """Cosine protocol: mean share of the hardest negative against μ_neg, one line per τ."""
    rows = metric_rows(with_protocol(table), "hardest_weight_share", "the gradient grid table")
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


GRID_PARTS = {
    "dissipation": "dissipation D",
    "hardest_weight_share": "weight W: share of the hardest negative",
    "ratio": "ratio r",
}


def plot_cosine_grid(table: pd.DataFrame, loss: str):
    """Cosine protocol, one loss: heatmaps of D, W (hardest-negative share) and r over
    μ_pos (rows of a panel) × μ_neg, one row of panels per part, one column per τ."""
    rows = with_protocol(table)
    rows = rows[(rows["protocol"] == COSINE) & (rows["run"] == loss)]
    parts = [m for m in GRID_PARTS if (rows["metric"] == m).any()]
    if not parts:
        raise CselabError(f"the gradient table has no cosine-grid rows for loss {loss!r}")
    taus = rows["temperature"].drop_duplicates().tolist()
    fig, axes = plt.subplots(
        len(parts), len(taus), figsize=(min(11.6, 3.2 * len(taus) + 1.2), 2.5 * len(parts)),
        squeeze=False, layout="constrained",
    )  # fmt: skip
    for row, part in enumerate(parts):
        values = rows.loc[rows["metric"] == part, "value"]
        low, high = float(values.min()), float(values.max())
        image = None
        for column, tau in enumerate(taus):
            ax = axes[row][column]
            same_tau = rows["temperature"].isna() if math.isnan(tau) else rows["temperature"] == tau
            image = _heatmap(ax, _grid(rows[same_tau], part), vmin=low, vmax=high + 1e-12)
            ax.set_title(f"{GRID_PARTS[part]} ({_temperature_label(tau)})", fontsize=8.5)
            ax.set_xlabel("μ_neg (mean negative cosine)")
            if column == 0:
                ax.set_ylabel("μ_pos (positive cosine)")
        assert image is not None  # one panel per τ, at least one τ
        fig.colorbar(image, ax=list(axes[row]), shrink=0.9)
    return fig


def li2024_figures(table: pd.DataFrame) -> dict[str, object]:
    """The Figs 2-4 a li2024 table has data for: {"dissipation"|"weight"|"ratio": figure}."""
    table = with_protocol(table)
    rows = table[table["protocol"] == LI2024]
    metrics = set(rows["metric"])
    figures: dict[str, object] = {}
    if "dissipation" in metrics:
        figures["dissipation"] = plot_dissipation_panels(rows)
    if "hardest_weight_share" in metrics:
        figures["weight"] = plot_weight_panels(rows)
    if "ratio" in metrics and _ratio_panels(rows):
        figures["ratio"] = plot_ratio_panels(rows)
    return figures


def cosine_figures(table: pd.DataFrame) -> Iterable[tuple[str, object]]:
    """(file name, figure) of a cosine-protocol table: weight curves, then heatmaps per τ."""
    table = with_protocol(table)
    rows = table[table["protocol"] == COSINE]
    if "hardest_weight_share" in set(rows["metric"]):
        yield "hardest_weight_share.png", plot_weight_share_curves(rows)
    for metric in ("dissipation", "ratio"):
        if metric not in set(rows["metric"]):
            continue
        for tau in rows["temperature"].drop_duplicates().tolist():
            suffix = "" if math.isnan(tau) else f"_tau{tau:g}"
            yield f"{metric}{suffix}.png", plot_part_heatmap(rows, metric, float(tau))


def write_gradient_figures(table: pd.DataFrame, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Save the figures of a gradient table as PNG under ``out_dir``; return the paths
    (li2024: ``figure2_dissipation.png``, ``figure3_weight.png``, ``figure4_ratio.png``)."""
    out = Path(out_dir)
    table = with_protocol(table)
    paths = [
        save_figure(fig, out / FIGURE_FILES[key]) for key, fig in li2024_figures(table).items()
    ]
    paths += [save_figure(fig, out / name) for name, fig in cosine_figures(table)]
    return paths
