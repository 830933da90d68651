"""Per-layer figures: Xiao et al. (2023)'s Figs. 2-7 in the paper's layout, and the other
per-layer outputs as small multiples for the appendix.

A paper figure puts raw beside adjusted (self-similarity: Figs. 2 and 6; intra-sentence
similarity: Figs. 3 and 7; anisotropy baseline and L2 norm: Figs. 4 and 5), models
overlaid, a vanilla/fine-tuned pair in one colour (vanilla dashed); each protocol gets its
own row of panels, so curves measured differently are never drawn as comparable. Values
the paper's code printed for a model, protocol and corpus are drawn as black crosses.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cselab.geometry.registry import describe
from cselab.geometry.spec import SECTIONS
from cselab.report.inputs import PROTOCOL
from cselab.report.lines import Line, labels
from cselab.report.look import MARKERS, LineStyle, line_styles
from cselab.report.page import Figure, FigureOutput
from cselab.report.paper_layout import XIAO, LayerFigure, figure_number, label, layer_figures
from cselab.report.published import published_series
from cselab.report.small_multiples import Panel, draw_panels, series
from cselab.report.tables import Table, to_csv

LAYER_AXIS = "layer (0 = input embeddings)"
DATA_COLUMNS = ["model", "corpus", PROTOCOL, "layer", "metric", "value"]


def pair_styles(
    lines: Sequence[Line], names: dict[Line, str], pairs: Sequence[tuple[str, str]]
) -> dict[str, LineStyle]:
    """A style per legend label: by model (pairs share a colour), marker by corpus."""
    by_model = line_styles(list(dict.fromkeys(line.model for line in lines)), pairs)
    corpora = list(dict.fromkeys(line.corpus for line in lines))
    return {
        names[line]: LineStyle(
            by_model[line.model].colour, by_model[line.model].dashed,
            MARKERS[corpora.index(line.corpus) % len(MARKERS)]
            if len(corpora) > 1 else by_model[line.model].marker,
        )
        for line in lines
    }  # fmt: skip


def _span(lines: Sequence[Line]) -> str:
    last = sorted({line.last_layer for line in lines})
    return f"layers 0-{last[0]}" if len(last) == 1 else f"layers 0 to {', '.join(map(str, last))}"


def provenance(lines: Sequence[Line], protocols: Sequence[str], rows: bool = True) -> str:
    """Models, corpora, protocols (one row of panels each, or in the legend) and layers of a
    figure, for its caption."""
    models = ", ".join(dict.fromkeys(line.model for line in lines))
    corpora = ", ".join(dict.fromkeys(line.corpus or "not recorded" for line in lines))
    if len(protocols) == 1:
        said = f"protocol {protocols[0] or 'not recorded'}"
    elif rows:
        said = "protocols " + ", ".join(f"{p or 'not recorded'} (row {i + 1})"
                                        for i, p in enumerate(protocols))  # fmt: skip
    else:
        said = "protocols " + ", ".join(p or "not recorded" for p in protocols) + " (legend)"
    return f"Models: {models}. Corpus: {corpora}; {said}; {_span(lines)}."


def _data(rows: pd.DataFrame, name: str) -> Table:
    return Table("data", [], csv=to_csv(rows[DATA_COLUMNS]), csv_name=f"{name}.csv")


def _paper_panels(
    rows: pd.DataFrame, lines: list[Line], figure: LayerFigure, outputs: list[str]
) -> tuple[list[Panel], list[str], bool]:
    protocols = list(dict.fromkeys(line.protocol for line in lines))
    names = labels_without_protocol(lines)
    panels, crosses = [], False
    for protocol in protocols:
        for output in outputs:
            found = describe(output)
            title = f"{label(output)} (Fig. {figure_number(found.paper) if found else '?'})"
            if len(protocols) > 1:
                title += f" · {protocol or 'protocol not recorded'}"
            panel = Panel(title, {})
            for line in (line for line in lines if line.protocol == protocol):
                mine = line.rows(rows)
                mine = mine[mine["metric"] == output]
                if not mine.empty:
                    panel.lines[names[line]] = series(mine, "layer")
                paper = published_series(line.model, protocol, line.corpus, output)
                if paper:
                    points = pd.Series({layer: entry.value for layer, entry in paper.items()})
                    panel.reference[f"paper's code ({line.model})"] = points.sort_index()
                    crosses = True
            panels.append(panel)
    return panels, protocols, crosses


def labels_without_protocol(lines: Sequence[Line]) -> dict[Line, str]:
    """Legend labels of a figure whose protocols are in separate rows: model (· corpus)."""
    corpus = len({line.corpus for line in lines}) > 1
    return {line: line.label(corpus=corpus) for line in lines}


def paper_layer_figures(
    rows: pd.DataFrame,
    lines: list[Line],
    pairs: Sequence[tuple[str, str]],
    out: FigureOutput,
) -> list[Figure]:
    """One figure per :func:`~cselab.report.paper_layout.layer_figures` with data."""
    figures = []
    for figure in layer_figures():
        outputs = [o for o in figure.outputs if (rows["metric"] == o).any()]
        shown = [line for line in lines if not line.rows(rows[rows["metric"].isin(outputs)]).empty]
        if not outputs or not shown:
            continue
        panels, protocols, crosses = _paper_panels(rows, shown, figure, outputs)
        styles = pair_styles(shown, labels_without_protocol(shown), pairs)
        fig = draw_panels(panels, styles, xlabel=LAYER_AXIS, columns=len(outputs), row_height=2.1)
        names = " and ".join(label(o) for o in outputs)
        caption = provenance(shown, protocols)
        if any(v in {m for p in pairs for m in p} for v in (line.model for line in shown)):
            caption += " A vanilla/fine-tuned pair shares a colour: vanilla dashed."
        if crosses:
            caption += " Crosses: the values the paper's public code prints (docs/geometry.md)."
        figures.append(out.figure(
            fig, key=f"xiao2023_fig{'_'.join(map(str, figure.figures))}_{figure.key}",
            title=f"{names[0].upper()}{names[1:]} per layer ({figure.paper}).",
            caption=caption,
            alt=f"Line plots of {names} against layer, one line per model",
            data=_data(rows[rows["metric"].isin(outputs)], f"figure_{figure.key}"),
        ))  # fmt: skip
    return figures


def appendix_layer_figure(
    rows: pd.DataFrame, lines: list[Line], drawn: set[str], out: FigureOutput, *, level: str
) -> Figure | None:
    """Small multiples of every other per-layer output at ``level`` ("token"/"sentence"),
    in the registry's section order; the protocol is in the legend when there are several."""
    outputs = []
    for section in SECTIONS:
        for metric in dict.fromkeys(rows["metric"]):
            found = describe(metric)
            if (found is not None and found.section == section and found.level == level
                    and not found.table_row and metric not in drawn):  # fmt: skip
                outputs.append((metric, found.output.label_for(found.base_name)))
    if not outputs:
        return None
    names = labels(lines)
    panels = []
    for output, title in outputs:
        panel = Panel(title, {})
        for line in lines:
            mine = line.rows(rows)
            mine = mine[mine["metric"] == output]
            if not mine.empty:
                panel.lines[names[line]] = series(mine, "layer")
        panels.append(panel)
    shown = [line for line in lines if any(names[line] in p.lines for p in panels)]
    styles = line_styles([names[line] for line in shown])
    fig = draw_panels(panels, styles, xlabel=LAYER_AXIS, columns=4, row_height=2.0)
    metrics = [output for output, _ in outputs]
    return out.figure(
        fig, key="", title=f"Every other output, {level} embeddings, per layer.",
        caption=provenance(shown, list(dict.fromkeys(line.protocol for line in shown)),
                           rows=False) + f" Outputs: {', '.join(metrics)}.",
        alt=f"Small line plots against layer: {', '.join(title for _, title in outputs)}",
        data=_data(rows[rows["metric"].isin(metrics)], f"{level}_per_layer"),
    )  # fmt: skip


def paper_outputs() -> set[str]:
    """The outputs the paper figures draw (left out of the appendix's small multiples)."""
    return {output for figure in layer_figures() for output in figure.outputs}


__all__ = ["XIAO", "appendix_layer_figure", "paper_layer_figures", "paper_outputs"]
