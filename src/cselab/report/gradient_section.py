"""The gradient parts of Li et al. (2024) from ``cselab gradients`` outputs.

li2024 tables (the default of ``cselab gradients``): the paper's Figures 2, 3 and 4 as
:mod:`cselab.report.gradient_figures` draws them; cosine-grid tables: per loss, heatmaps of
D, W and r over μ_pos × μ_neg, one column per τ. Each caption states the grid's settings
as the input's ``summary.json`` records them; the grid values are a CSV download.
"""

from __future__ import annotations

import pandas as pd

from cselab.report.gradient_figures import (
    COSINE,
    LI2024,
    drawn_losses,
    li2024_figures,
    plot_cosine_grid,
    with_protocol,
)
from cselab.report.inputs import SOURCE, ReportInputs
from cselab.report.page import Figure, FigureOutput, Section
from cselab.report.tables import Table, to_csv

LI = "Li et al. 2024"
LI2024_FIGURES = {
    "dissipation": ("Gradient dissipation D over μ_pos × μ_neg", "Fig. 2",
                    "Heatmaps of the mean dissipation, one per loss"),
    "weight": ("Share of the weight W on the hardest negative against μ_neg", "Fig. 3",
               "Line plots of the hardest negative's weight share, one line per temperature"),
    "ratio": ("Ratio r over μ_pos × μ_neg; shaded: pairs that do not occur", "Fig. 4",
              "Heatmaps of the ratio, one per loss whose ratio varies"),
}  # fmt: skip
#: the rows each li2024 figure draws
LI2024_METRICS = {
    "dissipation": ("dissipation",),
    "weight": ("hardest_weight_share",),
    "ratio": ("ratio", "ratio_excluded"),
}
SETTING_NAMES = {
    "pos_grid": "μ_pos grid", "neg_grid": "μ_neg grid", "rows": "anchors per cell",
    "negatives": "negatives per anchor", "pos_std": "σ_pos", "neg_std": "σ_neg",
    "weight_mu_pos": "Fig. 3 μ_pos", "weight_temperatures": "Fig. 3 τ values",
    "temperatures": "τ values", "seed": "seed",
}  # fmt: skip


def settings_text(settings: dict) -> str:
    """The grid's settings in one line (as recorded)."""
    said = [f"{name} {settings[key]}" for key, name in SETTING_NAMES.items() if key in settings]
    return "; ".join(said) if said else "settings not recorded (a gradients.csv given alone)"


def _data(rows: pd.DataFrame, name: str) -> Table:
    return Table("data", [], csv=to_csv(rows.drop(columns=[SOURCE, "geometry_protocol"],
                                                  errors="ignore")), csv_name=f"{name}.csv")  # fmt: skip


def _settings_of(rows: pd.DataFrame, inputs: ReportInputs) -> str:
    sources = sorted(set(rows[SOURCE]))
    texts = [
        f"{inputs.sources[i].path}: {settings_text(inputs.sources[i].settings)}"
        for i in sources
        if i >= 0
    ]
    return " ".join(texts)


def gradient_figures(rows: pd.DataFrame, inputs: ReportInputs, out: FigureOutput) -> list[Figure]:
    rows = with_protocol(rows)
    figures = []
    li = rows[rows["protocol"] == LI2024]
    if not li.empty:
        for key, fig in li2024_figures(li).items():
            title, number, alt = LI2024_FIGURES[key]
            losses = ", ".join(drawn_losses(li, key))
            figures.append(out.figure(
                fig, key=f"li2024_fig{number[-1]}_{key}", title=f"{title} ({LI}, {number}).",
                caption=f"Losses: {losses}; the authors' simulation protocol (angles in units "
                "of π; settings in the section's introduction).",
                alt=alt, data=_data(li[li["metric"].isin(LI2024_METRICS[key])], f"li2024_{key}"),
                narrow=True,
            ))  # fmt: skip
    cosine = rows[rows["protocol"] == COSINE]
    for loss in dict.fromkeys(cosine["run"]):
        mine = cosine[cosine["run"] == loss]
        figures.append(out.figure(
            plot_cosine_grid(mine, str(loss)), key=f"gradients_cosine_{loss}",
            title=f"Gradient parts of {loss} over μ_pos × μ_neg, one column per τ "
            f"(as {LI}, Figs. 2-4).",
            caption="Cosine grid (axes: cosines; settings in the section's introduction).",
            alt=f"Heatmaps of dissipation, hardest-negative weight share and ratio of {loss}",
            data=_data(mine, f"gradients_cosine_{loss}"),
        ))  # fmt: skip
    return figures


def gradient_section(rows: pd.DataFrame, inputs: ReportInputs, out: FigureOutput) -> Section:
    return Section(
        "gradients", "Gradient parts",
        f"The unified gradient of {LI}: dissipation D (how fast the gradient vanishes as "
        "the positive beats the negatives), weight W (how the push is shared among "
        "negatives) and ratio r (pull toward the positive against the push). Grid: "
        f"{_settings_of(rows, inputs)}.",
        figures=gradient_figures(rows, inputs, out),
    )  # fmt: skip
