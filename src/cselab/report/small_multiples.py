"""A grid of small line plots sharing one legend: the report's one way of drawing curves.

Each :class:`Panel` holds its lines (label -> x and values, drawn in the order given) and
optional reference points (published values, drawn as black crosses); every line keeps its
:class:`~cselab.report.look.LineStyle` in every panel, so one legend serves the figure.
Nothing is computed: the values are the input rows'.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.ticker import MaxNLocator

from cselab.report.look import FULL_WIDTH, PUBLISHED_STYLE, LineStyle

#: characters of a 9 pt title per inch of panel (titles are wrapped to their panel)
CHARS_PER_INCH = 12.5


@dataclass
class Panel:
    """One small plot: ``lines`` label -> Series (index x, values y)."""

    title: str
    lines: dict[str, pd.Series]
    ylabel: str = ""
    reference: dict[str, pd.Series] = field(default_factory=dict)


def series(rows: pd.DataFrame, x: str) -> pd.Series:
    """``value`` indexed by ``x`` (sorted; duplicates averaged, as the dynamics draw them)."""
    return rows.groupby(x)["value"].mean().sort_index()


def draw_panels(
    panels: Sequence[Panel],
    styles: Mapping[str, LineStyle],
    *,
    xlabel: str,
    columns: int = 3,
    row_height: float = 2.3,
    width: float = FULL_WIDTH,
    legend_columns: int | None = None,
):
    """The panels on a grid of ``columns``, one x range for all (a loss logged from step 8
    and probes from step 0 line up), one shared legend under them; returns the figure."""
    columns = max(1, min(columns, len(panels)))
    rows = math.ceil(len(panels) / columns)
    legend_rows = math.ceil(len(styles) / (legend_columns or 4)) if styles else 0
    fig, axes = plt.subplots(
        rows, columns, figsize=(width, row_height * rows + 0.25 * legend_rows + 0.2),
        squeeze=False, layout="constrained",
    )  # fmt: skip
    handles: dict[str, Artist] = {}
    for ax, panel in zip(axes.ravel(), panels, strict=False):
        for label, values in panel.lines.items():
            (line,) = ax.plot(values.index, values.to_numpy(float), label=label,
                              **styles[label].kwargs())  # fmt: skip
            handles.setdefault(label, line)
        for label, values in panel.reference.items():
            (marks,) = ax.plot(values.index, values.to_numpy(float), label=label,
                               **PUBLISHED_STYLE)  # fmt: skip
            handles.setdefault(label, marks)
        ax.set_title(textwrap.fill(panel.title, max(20, int(CHARS_PER_INCH * width / columns))))
        ax.set_xlabel(xlabel)
        if panel.ylabel:
            ax.set_ylabel(panel.ylabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
    drawn = axes.ravel()[: len(panels)]
    limits = [ax.get_xlim() for ax in drawn]
    for ax in drawn:
        ax.set_xlim(min(low for low, _ in limits), max(high for _, high in limits))
    for ax in axes.ravel()[len(panels) :]:
        ax.set_visible(False)
    if handles:
        fig.legend(
            list(handles.values()), list(handles), loc="outside lower center",
            ncols=min(len(handles), legend_columns or 4),
        )  # fmt: skip
    return fig
