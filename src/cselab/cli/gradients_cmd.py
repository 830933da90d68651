"""`cselab gradients`: the unified gradient parts of a loss over a (μ_pos, μ_neg, τ) grid."""

from __future__ import annotations

from pathlib import Path

import typer

from cselab.gradients.figures import write_grid_figures
from cselab.gradients.grid import gradient_grid, parse_grid
from cselab.results.table import write_table


def gradients(
    loss: str = typer.Argument(
        ..., help="loss name: info_nce, arccon, mpt, met, mat, sg_surrogate, triplet"
    ),
    out: Path = typer.Option(..., "--out", help="output folder for gradients.csv and PNGs"),
    temperature: list[float] = typer.Option(
        None, "--temperature", help="temperature(s) τ (repeat the option); default 0.05"
    ),
    pos_grid: str = typer.Option("0.3:1.0:8", help="μ_pos values: 'start:stop:num' or 'a,b,c'"),
    neg_grid: str = typer.Option("-0.2:0.8:11", help="μ_neg values: 'start:stop:num' or 'a,b,c'"),
    rows: int = typer.Option(64, help="sampled anchors per grid cell"),
    negatives: int = typer.Option(127, help="negatives per anchor (batch size − 1; 1 for triplet)"),
    neg_std: float = typer.Option(0.1, help="std of the negative cosines around μ_neg"),
    margin: float = typer.Option(None, help="margin m of mpt/met/mat/sg_surrogate/triplet"),
    seed: int = typer.Option(0, help="seed of the sampled cosines"),
) -> None:
    """Compute dissipation, hardest-negative weight share and ratio over a grid (Li et al. 2024)."""
    params = {} if margin is None else {"margin": margin}
    table = gradient_grid(
        loss,
        parse_grid("--pos-grid", pos_grid),
        parse_grid("--neg-grid", neg_grid),
        temperature or None,
        rows=rows,
        negatives=negatives,
        neg_std=neg_std,
        seed=seed,
        **params,
    )
    csv = write_table(table, out / "gradients.csv")
    figures = write_grid_figures(table, out)
    typer.echo(f"wrote {csv} and {len(figures)} figure(s) to {out}")
