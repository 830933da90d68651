"""`cselab gradients`: the unified gradient parts of losses over a (μ_pos, μ_neg, τ) grid,
in Li et al.'s simulation protocol (default) or over sampled cosines."""

from __future__ import annotations

from pathlib import Path

import typer

from cselab.gradients.grid_defaults import (
    COSINE_NEG_GRID,
    COSINE_NEG_STD,
    COSINE_POS_GRID,
    COSINE_ROWS,
    DEFAULT_NEG_GRID,
    DEFAULT_POS_GRID,
    PAPER_NEG_GRID,
    PAPER_POS_GRID,
)


def gradients(
    losses: list[str] = typer.Argument(
        None,
        help="losses: info_nce, symmetric_info_nce, arccon, mpt, met, mat, sg_surrogate "
        "(li2024: default the paper's six), triplet (cosine only); cosine takes one",
    ),
    out: Path = typer.Option(..., "--out", help="output folder: gradients.csv, summary.json, PNGs"),
    protocol: str = typer.Option(
        "li2024", help="li2024: Li et al.'s simulation (angles, Figs 2-4); cosine: cosine grid"
    ),
    temperature: list[float] = typer.Option(
        None, "--temperature", help="τ of the losses (repeat the option); default each loss's"
    ),
    weight_temperature: list[float] = typer.Option(
        None,
        "--weight-temperature",
        help="li2024 Fig. 3 τ values (repeat); default 0.3 0.1 0.05 0.03 0.01 0.005",
    ),
    pos_grid: str = typer.Option(
        None,
        help=f"μ_pos 'start:stop:num' or 'a,b,c': li2024 angles/π (default {DEFAULT_POS_GRID}, "
        f"paper {PAPER_POS_GRID}); cosine: cosines (default {COSINE_POS_GRID})",
    ),
    neg_grid: str = typer.Option(
        None,
        help=f"μ_neg: li2024 default {DEFAULT_NEG_GRID} (paper {PAPER_NEG_GRID}); "
        f"cosine default {COSINE_NEG_GRID}",
    ),
    rows: int = typer.Option(
        None, help=f"anchors per grid cell (li2024 1000, cosine {COSINE_ROWS})"
    ),
    negatives: int = typer.Option(127, help="negatives per anchor (batch size − 1; 1 for triplet)"),
    pos_std: float = typer.Option(None, help="li2024: std of the positive angle (0.05 rad)"),
    neg_std: float = typer.Option(
        None,
        help=f"std of the negatives: li2024 angles (0.10 rad), cosine cosines ({COSINE_NEG_STD})",
    ),
    margin: float = typer.Option(None, help="margin m of the one loss given"),
    seed: int = typer.Option(0, help="seed of the sampled rows"),
) -> None:
    """Dissipation, weight and ratio of the unified gradient (Li et al. 2024) over a grid."""
    from cselab.gradients.grid_request import GridRequest, run_request
    from cselab.gradients.outputs import write_gradient_outputs
    from cselab.report.figure_events import figures_task
    from cselab.report.gradient_figures import write_gradient_figures

    request = GridRequest(
        protocol, losses or (), pos_grid, neg_grid, temperature or (), weight_temperature or (),
        rows, negatives, pos_std, neg_std, margin, seed,
    )  # fmt: skip
    table, settings = run_request(request)
    written = write_gradient_outputs(table, out, settings)
    with figures_task("writing figures"):
        figures = write_gradient_figures(table, out)
    typer.echo(f"wrote {written[0]}, {written[1].name} and {len(figures)} figure(s) to {out}")
