"""The report's sections, decided by what the input rows contain (no metric is computed).

- gradient grid: rows with ``mu_pos``/``mu_neg`` (Li et al. 2024, Figs 2-4: the li2024
  protocol's three figures, or heatmaps of a cosine grid);
- dynamics: ``step >= 0`` (Xiao et al. 2023, Figs 8-23; per-layer metrics at the chosen
  layers, by default the last);
- geometry: ``step < 0``, ``layer >= 0`` (Figs 2-7, one line per model), except the metrics
  of Table 1 (rogue dimensions) and Table 3 (informativity), which are tables (the section
  of each output comes from :data:`cselab.geometry.registry.METRICS`);
- SSC tables (Table 2) and the SSC correlation curve (Fig. 24) from ``cselab compare``;
- STS results from ``cselab evaluate``; configuration and versions of every input.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from matplotlib.ticker import MaxNLocator

from cselab.errors import CselabError
from cselab.report.gradient_figures import (
    COSINE,
    LI2024,
    li2024_figures,
    plot_part_heatmap,
    plot_weight_share_curves,
    with_protocol,
)
from cselab.report.inputs import ReportInputs
from cselab.report.plots import (
    figure_to_base64,
    plot_over_layers,
    plot_over_steps,
    plot_ssc_correlation,
)
from cselab.report.tables import (
    INFORMATIVITY_SECTION,
    ROGUE_SECTION,
    Table,
    frame_table,
    grouped_wide_tables,
    over_layers_table,
    over_steps_table,
    sts_tables,
    wide_table,
)
from cselab.results.dynamics import rows_at_layers
from cselab.results.table import NO_LAYER


@dataclass
class Figure:
    title: str
    png_base64: str
    data: Table | None = None


@dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)  # (label, preformatted text)


def split_rows(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Partition the tidy rows into the report's kinds (see module doc)."""
    is_grid = pd.Series(False, index=table.index)
    if {"mu_pos", "mu_neg"} <= set(table.columns):
        is_grid = table["mu_pos"].notna() & table["mu_neg"].notna()
    rest = table[~is_grid]
    static = rest[rest["step"] < 0]
    from cselab.geometry.registry import section_of

    sections = static["metric"].map(section_of)
    rogue, info = sections == ROGUE_SECTION, sections == INFORMATIVITY_SECTION
    plain = static[~rogue & ~info]
    return {
        "grid": table[is_grid],
        "dynamics": rest[rest["step"] >= 0],
        "geometry": plain[plain["layer"] >= 0],
        "rogue": static[rogue],
        "informativity": static[info],
        "other": plain[plain["layer"] < 0],
    }


def _line_labels(rows: pd.DataFrame) -> pd.Series:
    label = rows["model"].where(rows["model"] != "", "model")
    if rows["corpus"].nunique() > 1:
        label = label + " / " + rows["corpus"]
    if rows["run"].nunique() > 1:
        label = rows["run"] + ": " + label
    return label


def _embed(fig) -> str:
    """Integer ticks on the x axis (layers, steps), then base64 PNG."""
    fig.axes[0].xaxis.set_major_locator(MaxNLocator(integer=True))
    return figure_to_base64(fig)


def geometry_section(rows: pd.DataFrame) -> Section:
    rows = rows.assign(line=_line_labels(rows))
    section = Section(
        "geometry", "Geometry over layers", "One line per model (Xiao et al. 2023, Figs 2-7)."
    )
    for metric in rows["metric"].unique():
        metric_rows = rows[rows["metric"] == metric]
        fig = plot_over_layers(metric_rows.assign(model=metric_rows["line"]), metric)
        section.figures.append(Figure(metric, _embed(fig), over_layers_table(metric_rows, metric)))
    return section


def dynamics_section(rows: pd.DataFrame, layers: Sequence[int] | str | None = None) -> Section:
    """Metric against step, one line per run; a per-layer metric is drawn at ``layers``
    (:func:`cselab.results.dynamics.rows_at_layers`: default each run's last layer; with
    several layers, one line per run and layer)."""
    per_layer = sorted(set(rows["layer"]) - {NO_LAYER})
    if isinstance(layers, str):
        if layers != "all":
            raise CselabError(f"layers {layers!r}: give 'all' or a list of layers")
    elif layers is not None and per_layer and -1 not in layers and not set(layers) & set(per_layer):
        raise CselabError(
            f"layers {list(layers)}: the training dynamics have layers {per_layer} (-1 = last)"
        )
    if layers is None:
        shown = "their last layer"
    elif layers == "all":
        shown = "every layer"
    else:
        shown = f"layers {', '.join(map(str, layers))} (-1 = the last)"
    section = Section("dynamics", "Training dynamics")
    skipped = []
    for metric in rows["metric"].unique():
        metric_rows, drawn = rows_at_layers(rows[rows["metric"] == metric], layers)
        if metric_rows.empty:
            skipped.append(str(metric))
            continue
        title = metric
        if drawn:
            title = f"{metric} (layer{'s' * (len(drawn) > 1)} {', '.join(map(str, drawn))})"
        fig = plot_over_steps(metric_rows, metric)
        section.figures.append(Figure(title, _embed(fig), over_steps_table(metric_rows, title)))
    section.intro = (
        "Metric against training step, one line per run (Xiao et al. 2023, Figs 8-23); "
        f"per-layer metrics are drawn at {shown}."
        + (f" Not measured at those layers: {', '.join(skipped)}." if skipped else "")
    )
    return section


LI2024_TITLES = {
    "dissipation": "Gradient dissipation over μ_pos × μ_neg (Fig. 2)",
    "weight": "Share of the hardest negative in the weight against μ_neg (Fig. 3)",
    "ratio": "Ratio over μ_pos × μ_neg; shaded: pairs that do not occur (Fig. 4)",
}


def _weight_curves_table(rows: pd.DataFrame) -> Table:
    """Fig. 3's values: one row per μ_neg, one column per loss and τ."""
    share = rows[rows["metric"] == "hardest_weight_share"]
    wide = share.pivot_table(index="mu_neg", columns=["run", "temperature"], values="value")
    wide.columns = [f"{run} τ={tau:g}" for run, tau in wide.columns]
    return frame_table(wide.reset_index(), "hardest-negative share (μ_neg in units of π)")


def gradient_section(rows: pd.DataFrame) -> Section:
    """Li et al.'s Figs 2-4 for li2024 tables; heatmaps and curves for cosine grids."""
    rows = with_protocol(rows)
    section = Section(
        "gradients",
        "Gradient parts",
        "Gradient dissipation, weight and ratio of the unified gradient (Li et al. 2024); "
        "li2024: the authors' simulation protocol (angles in units of π), the values are "
        "in the input's gradients.csv.",
    )
    li = rows[rows["protocol"] == LI2024]
    for key, fig in li2024_figures(li).items():
        data = _weight_curves_table(li) if key == "weight" else None
        section.figures.append(Figure(LI2024_TITLES[key], figure_to_base64(fig), data))
    for run, group in rows[rows["protocol"] == COSINE].groupby("run", sort=False):
        metrics = set(group["metric"])
        if "hardest_weight_share" in metrics:
            fig = plot_weight_share_curves(group)
            section.figures.append(Figure(f"{run}: hardest_weight_share", figure_to_base64(fig)))
        for metric in sorted(metrics - {"hardest_weight_share"}):
            for tau in group["temperature"].drop_duplicates():
                fig = plot_part_heatmap(group, metric, float(tau))
                label = "" if math.isnan(tau) else f", τ = {tau:g}"
                section.figures.append(Figure(f"{run}: {metric}{label}", figure_to_base64(fig)))
        data = group[["metric", "temperature", "mu_pos", "mu_neg", "value"]]
        section.tables.append(frame_table(data.reset_index(drop=True), f"{run}: grid values"))
    return section


def ssc_section(inputs: ReportInputs) -> Section | None:
    extremes = inputs.ssc_frame("ssc_extremes")
    curve = inputs.ssc_frame("ssc_correlation")
    tokens = inputs.ssc_frame("ssc_tokens")
    if extremes is None and curve is None and tokens is None:
        return None
    section = Section(
        "ssc",
        "Self-similarity change and frequency",
        "ssc = (ss_f − ani_f) − (ss_v − ani_v) per token (Xiao et al. 2023, Table 2, Fig. 24).",
    )
    if extremes is not None:
        section.tables.append(frame_table(extremes, "Tokens with the largest SSC (Table 2)"))
    if curve is not None:
        fig = plot_ssc_correlation(curve)
        section.figures.append(
            Figure(
                "SSC correlation vs n (Fig. 24)", figure_to_base64(fig), frame_table(curve, "curve")
            )
        )
    if tokens is not None:
        section.tables.append(frame_table(tokens.head(50), "Most frequent tokens (first 50 rows)"))
    return section


def rogue_section(rows: pd.DataFrame) -> Section:
    tables = grouped_wide_tables(rows, "Dimension contributions")
    return Section("rogue", "Rogue dimensions (Table 1)", tables=tables)


def informativity_section(rows: pd.DataFrame) -> Section:
    tables = grouped_wide_tables(rows, "Informativity r²")
    intro = "r² before vs after removing the top-k dimensions."
    return Section("informativity", "Informativity (Table 3)", intro, tables=tables)


def other_section(rows: pd.DataFrame) -> Section:
    return Section("other", "Other values", tables=[wide_table(rows, "Values without a layer")])


#: The section built from each kind of row of :func:`split_rows`.
_ROW_SECTIONS: dict[str, Callable[[pd.DataFrame], Section]] = {
    "geometry": geometry_section,
    "rogue": rogue_section,
    "informativity": informativity_section,
    "grid": gradient_section,
    "other": other_section,
}


def _sections_with_rows(parts: dict[str, pd.DataFrame], *kinds: str) -> list[Section]:
    """The section of each of ``kinds`` that has rows, in that order."""
    return [_ROW_SECTIONS[kind](parts[kind]) for kind in kinds if not parts[kind].empty]


def build_sections(
    inputs: ReportInputs, *, dynamics_layers: Sequence[int] | str | None = None
) -> list[Section]:
    """Every section for which the inputs hold something, in reading order;
    ``dynamics_layers``: the layers drawn in the training dynamics ("all", a list with
    -1 = the last; default: the last)."""
    sections: list[Section] = []
    if inputs.sts:
        sts = Section("sts", "STS evaluation", "Spearman and Pearson × 100 of cosine vs gold.")
        for result in inputs.sts:
            sts.tables += sts_tables(result)
        sections.append(sts)
    parts = split_rows(inputs.metrics())
    sections += _sections_with_rows(parts, "geometry", "rogue", "informativity")
    ssc = ssc_section(inputs)
    if ssc is not None:
        sections.append(ssc)
    if not parts["dynamics"].empty:
        sections.append(dynamics_section(parts["dynamics"], dynamics_layers))
    sections += _sections_with_rows(parts, "grid", "other")
    if inputs.configs:
        config = Section(
            "config", "Configuration and versions", "Exactly as recorded by the producing command."
        )
        for record in inputs.configs:
            if record.versions:
                frame = pd.DataFrame(
                    sorted(record.versions.items()), columns=["package", "version"]
                )
                config.tables.append(frame_table(frame, f"versions: {record.label}"))
            config.texts.append(
                (
                    record.label,
                    json.dumps(record.content, indent=2, default=str, ensure_ascii=False),
                )
            )
        sections.append(config)
    return sections
