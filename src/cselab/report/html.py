"""Render the self-contained HTML report: figures as base64 PNG, no external resources.

Jinja2 with autoescape on: every string from corpora, configs and tables is escaped, so a
sentence like ``<script>…</script>`` is shown as text and never runs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from cselab.errors import CselabError
from cselab.io.atomic import write_text
from cselab.report.figure_events import figures_task
from cselab.report.inputs import ReportInputs, collect_inputs
from cselab.report.sections import build_sections


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("cselab.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_report(
    inputs: ReportInputs,
    *,
    title: str = "cselab report",
    dynamics_layers: Sequence[int] | str | None = None,
) -> str:
    """The report as one HTML string; ``dynamics_layers``: the layers at which per-layer
    metrics are drawn over training steps ("all", or a list with -1 = the last; default:
    the last)."""
    sections = build_sections(inputs, dynamics_layers=dynamics_layers)
    if not sections:
        raise CselabError(
            f"nothing to report in {inputs.sources}: no tidy rows, SSC tables, STS results "
            "or configuration were found"
        )
    try:
        cselab_version = version("cselab")
    except PackageNotFoundError:
        cselab_version = "unknown"
    template = _environment().get_template("report.html.j2")
    return template.render(
        title=title,
        sections=sections,
        sources=inputs.sources,
        cselab_version=cselab_version,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def write_report(
    paths: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    title: str = "cselab report",
    dynamics_layers: Sequence[int] | str | None = None,
) -> Path:
    """Read the inputs, render, and write the HTML atomically; return the output path."""
    target = Path(out)
    if target.is_dir():
        raise CselabError(f"report output {str(target)!r} is a directory: give an HTML file")
    inputs = collect_inputs(paths)
    with figures_task("report: drawing figures"):
        html = render_report(inputs, title=title, dynamics_layers=dynamics_layers)
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_text(target, html, what="report")
