"""`cselab sweep --config BASE.yaml --out DIR`: one run per temperature × batch × pooling."""

from __future__ import annotations

from pathlib import Path

import typer

from cselab.cli.common_options import is_quiet


def sweep(
    config: Path = typer.Option(..., "--config", "-c", help="Base YAML config."),
    out: Path = typer.Option(..., "--out", "-o", help="Sweep directory (one run dir each)."),
    temperatures: list[float] | None = typer.Option(
        None, "--temperature", "-t", help="Temperatures (repeatable); default: centre·2^k."
    ),
    centre: float | None = typer.Option(
        None, help="Centre of the default power-of-two grid (default: the config's τ)."
    ),
    span: int = typer.Option(1, help="Default grid: centre·2^k for k = -span..span."),
    batch_sizes: list[int] | None = typer.Option(None, "--batch-size", "-b", help="Repeatable."),
    poolings: list[str] | None = typer.Option(None, "--pooling", "-p", help="Repeatable."),
    assignments: list[str] | None = typer.Option(
        None, "--set", help="Override a base config field: FIELD=VALUE, repeatable."
    ),
) -> None:
    """Train every grid point not finished yet (finished runs are skipped, broken ones resume)."""
    from cselab.training.config import load_config, parse_assignments
    from cselab.training.sweep import plan_sweep, run_sweep, sweep_temperatures

    quiet = {"progress": False} if is_quiet() else None
    base = load_config(config, quiet, assignments=parse_assignments(assignments))
    taus = sweep_temperatures(base, temperatures, centre, span)
    runs = plan_sweep(base, out, temperatures=taus, batch_sizes=batch_sizes, poolings=poolings)
    for run in run_sweep(runs):
        typer.echo(f"{run.status:8s} {run.name} -> {run.config.output_dir}")
