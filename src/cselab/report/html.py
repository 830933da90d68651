"""Render the self-contained HTML report: figures as base64 PNG, no external resources.

Jinja2 with autoescape on: every string from corpora, configs and tables is escaped, so a
sentence like ``<script>…</script>`` is shown as text and never runs. With ``figures``,
the paper figures are also written as files (``--figures DIR --format pdf|svg|png``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from cselab.errors import CselabError
from cselab.io.atomic import write_text
from cselab.report.figure_events import figures_task
from cselab.report.inputs import KINDS, ReportInputs, collect_inputs
from cselab.report.look import look
from cselab.report.page import FigureOutput
from cselab.report.sections import build_page


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("cselab.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _input_summary(inputs: ReportInputs) -> str:
    counts = Counter(KINDS[source.kind] for source in inputs.sources)
    return ", ".join(f"{n} × {kind}" if n > 1 else kind for kind, n in counts.items())


def render_report(
    inputs: ReportInputs,
    *,
    title: str = "cselab report",
    dynamics_layers: Sequence[int] | str | None = None,
    figures: FigureOutput | None = None,
) -> str:
    """The report as one HTML string; ``dynamics_layers``: the layers at which per-layer
    metrics are drawn over training steps ("all", or a list with -1 = the last; default:
    the last); ``figures``: where the paper figures are also written as files."""
    with look():
        page = build_page(inputs, dynamics_layers=dynamics_layers, out=figures)
    try:
        cselab_version = version("cselab")
    except PackageNotFoundError:
        cselab_version = "unknown"
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            page=page,
            input_summary=_input_summary(inputs),
            cselab_version=cselab_version,
            created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
    )


def write_report(
    paths: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    title: str = "cselab report",
    dynamics_layers: Sequence[int] | str | None = None,
    figures: FigureOutput | None = None,
) -> Path:
    """Read the inputs, render, and write the HTML atomically; return the output path.
    ``figures`` (``FigureOutput.to(DIR, "pdf")``) also writes each paper figure as
    ``DIR/KEY.pdf`` and lists the files in its ``written``."""
    target = Path(out)
    if target.is_dir():
        raise CselabError(f"report output {str(target)!r} is a directory: give an HTML file")
    inputs = collect_inputs(paths)
    with figures_task("report: drawing figures"):
        html = render_report(inputs, title=title, dynamics_layers=dynamics_layers, figures=figures)
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_text(target, html, what="report")
