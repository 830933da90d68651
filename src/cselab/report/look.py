"""One look for every figure the report draws and ``--figures`` writes.

:func:`look` sets matplotlib's style (fonts, grid, spines) for a block; :func:`line_styles`
gives each model a colour and a dash: the two models of a vanilla/fine-tuned pair share a
colour, the vanilla dashed and the fine-tuned solid, as the paper pairs its models.
:func:`encode_png` embeds a figure (PNG reduced to a 256-colour palette, which line plots
and heatmaps survive unchanged to the eye, at a third of the bytes); :func:`save` writes one
as PDF, SVG or PNG with the same look.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402

from cselab.errors import CselabError  # noqa: E402
from cselab.io.atomic import write_bytes  # noqa: E402
from cselab.report.figure_events import figure_done  # noqa: E402

FORMATS = ("pdf", "svg", "png")
#: width of a full-width figure in inches; at EMBED_DPI it is the page's content width
FULL_WIDTH = 11.6
EMBED_DPI = 100
FILE_DPI = 200
RC: dict[str, Any] = {
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.labelsize": 8.5,
    "legend.fontsize": 7.5,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.5,
    "lines.markersize": 3.5,
    "legend.frameon": False,
    "axes.formatter.useoffset": False,
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
           "#e377c2", "#7f7f7f", "#bcbd22")  # fmt: skip
MARKERS = ("o", "s", "^", "D", "v")
PUBLISHED_STYLE = {"color": "black", "marker": "x", "linestyle": "none", "markersize": 6}


@contextlib.contextmanager
def look() -> Iterator[None]:
    """Inside the block, figures get the report's style."""
    with matplotlib.style.context(RC):  # an rc_context typed for any key
        yield


@dataclass(frozen=True)
class LineStyle:
    colour: str
    dashed: bool = False
    marker: str = "o"

    def kwargs(self) -> dict[str, object]:
        return {"color": self.colour, "linestyle": "--" if self.dashed else "-",
                "marker": self.marker}  # fmt: skip


def line_styles(
    models: Sequence[str], pairs: Sequence[tuple[str, str]] = ()
) -> dict[str, LineStyle]:
    """A style per model: paired models share a colour (vanilla dashed, fine-tuned solid),
    every other model gets the next colour."""
    styles: dict[str, LineStyle] = {}
    present = set(models)
    colours = iter(COLOURS * (1 + len(models) // len(COLOURS)))
    for vanilla, finetuned in pairs:
        if vanilla in present and finetuned in present and not {vanilla, finetuned} & set(styles):
            colour = next(colours)
            styles[vanilla] = LineStyle(colour, dashed=True, marker="s")
            styles[finetuned] = LineStyle(colour)
    for model in models:
        if model not in styles:
            styles[model] = LineStyle(next(colours))
    return styles


def encode_png(fig) -> str:
    """The figure as base64 PNG (256-colour palette), closed afterwards."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=EMBED_DPI)
    plt.close(fig)
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    small = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(small, "PNG", optimize=True)
    figure_done()
    return base64.b64encode(small.getvalue()).decode("ascii")


def save(fig, path: str | os.PathLike[str]) -> Path:
    """Write the figure in the format of the path's suffix (pdf, svg, png), atomically; the
    figure stays open."""
    out = Path(path)
    fmt = out.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise CselabError(f"figure format {fmt!r}: choose one of {list(FORMATS)}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=FILE_DPI)
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_bytes(out, buffer.getvalue(), what="figure")
