"""`cselab dynamics RUN_DIR... --out DIR`: each metric against step, one line per run."""

from __future__ import annotations

from pathlib import Path

import typer


def dynamics(
    run_dirs: list[Path] = typer.Argument(..., help="Run directories (holding metrics.csv)."),
    out: Path = typer.Option(Path("dynamics"), "--out", "-o", help="Output directory."),
    metrics: list[str] | None = typer.Option(None, "--metric", "-m", help="Repeatable."),
    layer: int | None = typer.Option(None, help="Layer for per-layer metrics (default: last)."),
) -> None:
    """Write the combined table (dynamics.csv), each run's config (runs.json) and one PNG
    per metric."""
    from cselab.report.dynamics_pngs import plot_dynamics
    from cselab.results.dynamics import read_runs, write_run_records
    from cselab.results.table import write_table

    table = read_runs(run_dirs)
    table_path = write_table(table, out / "dynamics.csv")
    write_run_records(run_dirs, out)
    figures = plot_dynamics(table, out, metrics=metrics, layer=layer)
    typer.echo(f"wrote {table_path} and {len(figures)} figure(s) in {out}")
