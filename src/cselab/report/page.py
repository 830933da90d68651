"""What the report page is made of: sections of findings, figures, tables and texts.

The main part reads like a paper's results section (findings, the paper's figures and
tables); the appendix is a list of sections, each collapsed in a ``<details>``. Figures
and tables are numbered in reading order when rendered. :class:`FigureOutput` embeds each
figure (base64 PNG) and, with ``--figures DIR``, also writes the paper figures as files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from cselab.errors import CselabError
from cselab.report.look import FORMATS, encode_png, save
from cselab.report.tables import Table


@dataclass
class Figure:
    """An embedded figure; ``key`` names its file under ``--figures`` ("" = not written)."""

    key: str
    title: str
    caption: str
    alt: str
    png_base64: str
    data: Table | None = None
    number: int = 0
    narrow: bool = False  # drawn narrower than the page (wide panel grids)


@dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    findings: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)  # (label, preformatted text)
    side_by_side: bool = False  # tables next to each other where they fit


@dataclass
class Page:
    sections: list[Section] = field(default_factory=list)
    appendix: list[Section] = field(default_factory=list)

    def number(self) -> None:
        """Number figures and tables in reading order (main part, then appendix)."""
        figure = table = 0
        for section in [*self.sections, *self.appendix]:
            for shown in section.figures:
                figure += 1
                shown.number = figure
            for shown_table in section.tables:
                table += 1
                shown_table.number = table


@dataclass
class FigureOutput:
    """Embeds figures; with ``folder``, also writes each paper figure as ``KEY.FORMAT``."""

    folder: Path | None = None
    fmt: str = "pdf"
    written: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.fmt not in FORMATS:
            raise CselabError(f"figure format {self.fmt!r}: choose one of {list(FORMATS)}")

    @classmethod
    def to(cls, folder: str | os.PathLike[str] | None, fmt: str = "pdf") -> FigureOutput:
        return cls(Path(folder) if folder is not None else None, fmt.lower())

    def figure(
        self,
        fig,
        *,
        key: str,
        title: str,
        caption: str,
        alt: str,
        data: Table | None = None,
        narrow: bool = False,
    ) -> Figure:
        """Write ``fig`` under ``folder`` when it is a paper figure (``key``), then embed it."""
        if key and self.folder is not None:
            self.written.append(save(fig, self.folder / f"{key}.{self.fmt}"))
        return Figure(key, title, caption, alt, encode_png(fig), data, narrow=narrow)
