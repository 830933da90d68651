"""`cselab report INPUTS... -o report.html`: one self-contained HTML page from result files."""

from __future__ import annotations

from pathlib import Path

import typer


def report(
    inputs: list[Path] = typer.Argument(
        ..., help="Run directories (metrics.csv, summary.json, config.yaml, SSC tables) or files."
    ),
    out: Path = typer.Option(Path("report.html"), "--out", "-o", help="HTML file to write."),
    title: str = typer.Option("cselab report", help="Title of the page."),
    layers: str = typer.Option(
        "last",
        "--layers",
        help="Layers at which per-layer metrics are drawn over training steps: 'last', "
        "'all' or e.g. '0,3,-1' (-1 = last).",
    ),
) -> None:
    """Plots and tables of every result given, with the configuration that produced them."""
    from cselab.cli.geometry_display import parse_layers
    from cselab.report.html import write_report

    choice = layers.strip().lower()
    chosen = None if choice == "last" else "all" if choice == "all" else parse_layers(layers)
    path = write_report(inputs, out, title=title, dynamics_layers=chosen)
    typer.echo(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
