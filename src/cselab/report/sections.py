"""The page, built from what the inputs hold (no metric is computed), in a paper's order:

1. Summary: findings in words, the headline numbers per model and per training run;
2. Geometry across layers: Xiao et al. 2023's Figs. 2-7 (raw beside adjusted);
3. Tables 1 and 3 as the paper prints them;
4. Self-similarity change: Fig. 24 and Table 2 (``cselab compare``);
5. Learning dynamics: the key metrics over steps per study (Figs. 8-11, 16-19, 20-23);
6. Gradient parts: Li et al. 2024's Figs. 2-4;
7. STS evaluation;

then the appendix, collapsed: every other metric as small multiples, the full tables, the
configuration behind every number, the inputs. Rows are told apart by kind: gradient grid
(``mu_pos``/``mu_neg``), training steps (``step >= 0``), per-layer geometry (``layer >= 0``),
values without a layer.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cselab.errors import CselabError
from cselab.report.appendix import (
    full_tables,
    inputs_table,
    protocol_table,
    published_table,
    settings_tables,
    training_tables,
    versions_table,
)
from cselab.report.dynamics_figures import Layers, check_layers, dynamics_figures, studies
from cselab.report.gradient_section import gradient_section
from cselab.report.inputs import ReportInputs
from cselab.report.layer_figures import appendix_layer_figure, paper_layer_figures, paper_outputs
from cselab.report.lines import first_measurement, labels, layer_lines
from cselab.report.page import FigureOutput, Page, Section
from cselab.report.paper_tables import table1, table2, table3
from cselab.report.ssc_figures import plot_ssc
from cselab.report.sts_section import sts_table, worst_pairs
from cselab.report.summary import model_table, pair_findings, published_findings, run_table
from cselab.report.tables import Table, frame_table


def split_rows(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The rows by kind: ``grid``, ``dynamics``, ``layers`` (per-layer geometry), ``other``."""
    is_grid = pd.Series(False, index=table.index)
    if {"mu_pos", "mu_neg"} <= set(table.columns):
        is_grid = table["mu_pos"].notna() & table["mu_neg"].notna()
    rest = table[~is_grid]
    static = rest[rest["step"] < 0]
    return {
        "grid": table[is_grid],
        "dynamics": rest[rest["step"] >= 0],
        "layers": static[static["layer"] >= 0],
        "other": static[static["layer"] < 0],
    }


def _ssc_section(inputs: ReportInputs, out: FigureOutput) -> Section | None:
    extremes, curve = inputs.ssc_frame("ssc_extremes"), inputs.ssc_frame("ssc_correlation")
    tokens = inputs.ssc_frame("ssc_tokens")
    if extremes is None and curve is None and tokens is None:
        return None
    best = next((s.settings["ssc_correlation"].get("best_n") for s in inputs.sources
                 if isinstance(s.settings.get("ssc_correlation"), dict)), None)  # fmt: skip
    section = Section(
        "ssc", "Self-similarity change and frequency",
        "How each frequent token's self-similarity changes from a vanilla to a fine-tuned "
        "model, adjusted by each model's anisotropy (Xiao et al. 2023, section 3).",
    )  # fmt: skip
    fig = plot_ssc(tokens, curve, best)
    drawn = tokens if tokens is not None else curve
    if fig is not None and drawn is not None:
        pairs = ", ".join(dict.fromkeys(tokens["pair"])) if tokens is not None else "two pairs"
        layer = ", ".join(map(str, dict.fromkeys(tokens["layer"]))) if tokens is not None else "?"
        section.figures.append(out.figure(
            fig, key="xiao2023_fig24_ssc",
            title="Self-similarity change against frequency (as Xiao et al. 2023, Fig. 24).",
            caption=f"Pairs: {pairs}; layer {layer}; tokens in the vanilla model's frequency "
            "order on the compared corpus (protocol in the configuration appendix).",
            alt="Line plots of each token's SSC by frequency rank and of the two pairs' SSC "
            "correlation against n",
            data=Table("data", [], csv=drawn.to_csv(index=False), csv_name="ssc.csv"),
        ))  # fmt: skip
    if extremes is not None:
        section.tables.append(table2(extremes))
    return section


def _summary(
    rows: pd.DataFrame, lines, inputs: ReportInputs, found_studies: Sequence
) -> Section | None:
    section = Section("summary", "Summary")
    section.findings = published_findings(rows, lines, inputs.sts) + pair_findings(
        rows, lines, inputs.pairs()
    )
    if lines or inputs.sts:
        section.tables.append(model_table(rows, lines, inputs.sts))
    for study in found_studies:
        table, sentences = run_table(study)
        section.findings += sentences
        if table.rows:
            section.tables.append(table)
    return section if section.tables or section.findings else None


def _appendix(
    parts: dict[str, pd.DataFrame], rows: pd.DataFrame, lines, inputs: ReportInputs,
    extra_figures: list, out: FigureOutput, found_studies: Sequence,
) -> list[Section]:  # fmt: skip
    drawn = paper_outputs()
    found = (
        appendix_layer_figure(rows, lines, drawn, out, level=lv) for lv in ("token", "sentence")
    )
    figures = [figure for figure in found if figure is not None]
    appendix = [
        Section("more-geometry", "Every other geometry metric, per layer", figures=figures),
        Section("more-dynamics", "Every other training metric, per step", figures=extra_figures),
    ]
    tables = full_tables(rows)
    if not parts["other"].empty:
        tables.append(frame_table(parts["other"][["run", "model", "corpus", "metric", "value"]],
                                  "Values without a layer", name="values"))  # fmt: skip
    tokens = inputs.ssc_frame("ssc_tokens")
    if tokens is not None:  # all rows: the data of the SSC figure
        shown = frame_table(
            tokens,
            "Self-similarity change of every token",
            name="ssc_tokens",
            note="All rows: the data of the self-similarity change figure.",
        )
        shown.csv = ""
        tables.append(shown)
    tables += worst_pairs(inputs.sts)
    appendix.append(Section("full-tables", "Full tables", tables=tables))
    config = [protocol_table(inputs), *training_tables(inputs, found_studies),
              *settings_tables(inputs), versions_table(inputs), published_table()]  # fmt: skip
    appendix.append(Section(
        "configuration", "Configuration behind the numbers",
        "Exactly as each input records it.", tables=[t for t in config if t is not None],
    ))  # fmt: skip
    appendix.append(Section("inputs", "Inputs", tables=[inputs_table(inputs)]))
    return [section for section in appendix if section.figures or section.tables]


def build_page(
    inputs: ReportInputs, *, dynamics_layers: Layers = None, out: FigureOutput | None = None
) -> Page:
    """The report's sections for what the inputs hold; ``dynamics_layers``: the layers at
    which per-layer metrics are drawn over steps ("all", a list with -1 = the last;
    default: each run's last)."""
    out = out or FigureOutput()
    parts = split_rows(inputs.metrics())
    rows = first_measurement(parts["layers"])
    lines = layer_lines(rows)
    found_studies = studies(parts["dynamics"], inputs)
    if found_studies:
        check_layers(parts["dynamics"], dynamics_layers)
    page = Page()
    summary = _summary(rows, lines, inputs, found_studies)
    if summary is not None:
        page.sections.append(summary)
    if lines:
        page.sections.append(Section(
            "geometry", "Geometry across layers",
            "Self-similarity (a token's mean cosine to itself in other contexts), "
            "intra-sentence similarity (a token's cosine to its sentence's mean), the "
            "anisotropy baseline (the mean cosine of unrelated tokens) and the mean L2 norm, "
            "at every hidden state; adjusted = raw − baseline (Xiao et al. 2023, section 2).",
            figures=paper_layer_figures(rows, lines, inputs.pairs(), out),
        ))  # fmt: skip
        names = labels(lines)
        tables = [t for t in (table1(rows, lines, names), table3(rows, lines, names)) if t]
        if tables:
            page.sections.append(Section("tables", "Rogue dimensions and informativity",
                                         tables=tables, side_by_side=True))  # fmt: skip
    ssc = _ssc_section(inputs, out)
    if ssc is not None:
        page.sections.append(ssc)
    extra = []
    if found_studies:
        dynamics = Section(
            "dynamics", "Learning dynamics",
            "The last layer's geometry and the STS dev Spearman at every probed step, one "
            "line per run (Xiao et al. 2023, section 4 and appendices B, D).",
        )  # fmt: skip
        for index, study in enumerate(found_studies, start=1):
            main, rest = dynamics_figures(study, index, dynamics_layers, out)
            dynamics.figures += [main] if main else []
            extra += [rest] if rest else []
        page.sections.append(dynamics)
    if not parts["grid"].empty:
        page.sections.append(gradient_section(parts["grid"], inputs, out))
    if inputs.sts:
        page.sections.append(Section("sts", "STS evaluation", tables=[sts_table(inputs.sts)]))
    if not page.sections and not inputs.run_configs():
        raise CselabError(
            f"nothing to report in {[s.path for s in inputs.sources]}: no results were found"
        )
    page.appendix = _appendix(parts, rows, lines, inputs, extra, out, found_studies)
    page.number()
    return page
