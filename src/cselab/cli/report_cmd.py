"""`cselab report INPUTS... -o report.html`: one self-contained HTML page from cselab outputs."""

from __future__ import annotations

from pathlib import Path

import typer


def report(
    inputs: list[Path] = typer.Argument(
        ...,
        help="cselab output folders (geometry, compare, gradients, a training run, a sweep, "
        "dynamics) or files (an evaluate JSON, a tidy CSV).",
    ),
    out: Path = typer.Option(Path("report.html"), "--out", "-o", help="HTML file to write."),
    title: str = typer.Option("cselab report", help="Title of the page."),
    layers: str = typer.Option(
        "last",
        "--layers",
        help="Layers at which per-layer metrics are drawn over training steps: 'last', "
        "'all' or e.g. '0,3,-1' (-1 = last).",
    ),
    figures: Path | None = typer.Option(
        None, "--figures", help="Also write each paper figure as a file in this folder."
    ),
    figure_format: str = typer.Option(
        "pdf", "--format", help="Format of the --figures files: pdf, svg or png."
    ),
) -> None:
    """The results as a paper's results section: findings, the paper's figures and tables,
    everything else in a collapsed appendix, with the configuration behind every number."""
    from cselab.cli.geometry_display import parse_layers
    from cselab.report.html import write_report
    from cselab.report.page import FigureOutput

    choice = layers.strip().lower()
    chosen = None if choice == "last" else "all" if choice == "all" else parse_layers(layers)
    files = FigureOutput.to(figures, figure_format)
    path = write_report(inputs, out, title=title, dynamics_layers=chosen, figures=files)
    typer.echo(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    if figures is not None:
        typer.echo(f"wrote {len(files.written)} figure(s) to {figures}")
