"""``cselab gradients`` as one library call: a request in the command's terms (grid texts,
optional sizes) run under one of the two protocols, with the settings it used.

- ``li2024`` (default): Li et al.'s simulation, :mod:`cselab.gradients.li2024`; losses
  default to the paper's six, grids are angles in units of π.
- ``cosine``: :mod:`cselab.gradients.grid`, one loss, grids are cosines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import pandas as pd

from cselab.errors import CselabError
from cselab.gradients import grid, li2024
from cselab.gradients.grid_defaults import (
    COSINE_NEG_GRID,
    COSINE_NEG_STD,
    COSINE_POS_GRID,
    COSINE_ROWS,
    DEFAULT_NEG_GRID,
    DEFAULT_POS_GRID,
    LI2024_LOSSES,
)

PROTOCOLS = ("li2024", "cosine")


@dataclass
class GridRequest:
    """What was asked; ``None`` means the protocol's default."""

    protocol: str = "li2024"
    losses: Sequence[str] = ()
    pos_grid: str | None = None
    neg_grid: str | None = None
    temperatures: Sequence[float] = ()
    weight_temperatures: Sequence[float] = ()
    rows: int | None = None
    negatives: int = 127
    pos_std: float | None = None
    neg_std: float | None = None
    margin: float | None = None
    seed: int = 0


def _margin_params(losses: Sequence[str], margin: float | None) -> dict[str, dict[str, float]]:
    if margin is None:
        return {}
    if len(losses) != 1:
        raise CselabError(f"--margin applies to one loss; give one loss, not {list(losses)}")
    return {losses[0]: {"margin": margin}}


def _run_li2024(request: GridRequest) -> tuple[pd.DataFrame, dict]:
    losses = list(request.losses) or list(LI2024_LOSSES)
    pos_text = request.pos_grid or DEFAULT_POS_GRID
    neg_text = request.neg_grid or DEFAULT_NEG_GRID
    mu_pos = grid.parse_grid("--pos-grid", pos_text, low=0.0, high=1.0, unit="angles / π")
    mu_neg = grid.parse_grid("--neg-grid", neg_text, low=0.0, high=1.0, unit="angles / π")
    given: dict[str, Any] = {
        "rows": request.rows,
        "pos_std": request.pos_std,
        "neg_std": request.neg_std,
        "weight_temperatures": tuple(request.weight_temperatures) or None,
    }
    settings = replace(
        li2024.Li2024Settings(negatives=request.negatives, seed=request.seed),
        **{key: value for key, value in given.items() if value is not None},
    )
    table = li2024.li2024_grid(
        losses,
        mu_pos,
        mu_neg,
        list(request.temperatures) or None,
        settings=settings,
        params=_margin_params(losses, request.margin),
    )
    return table, {"losses": losses, "pos_grid": pos_text, "neg_grid": neg_text, **asdict(settings)}


def _run_cosine(request: GridRequest) -> tuple[pd.DataFrame, dict]:
    if len(request.losses) != 1:
        raise CselabError(f"protocol 'cosine' takes exactly one loss, got {list(request.losses)}")
    if request.pos_std is not None or request.weight_temperatures:
        raise CselabError("--pos-std and --weight-temperature belong to protocol 'li2024'")
    pos_text = request.pos_grid or COSINE_POS_GRID
    neg_text = request.neg_grid or COSINE_NEG_GRID
    rows = request.rows or COSINE_ROWS
    neg_std = COSINE_NEG_STD if request.neg_std is None else request.neg_std
    name = request.losses[0]
    table = grid.gradient_grid(
        name,
        grid.parse_grid("--pos-grid", pos_text),
        grid.parse_grid("--neg-grid", neg_text),
        list(request.temperatures) or None,
        rows=rows,
        negatives=request.negatives,
        neg_std=neg_std,
        seed=request.seed,
        **_margin_params([name], request.margin).get(name, {}),
    )
    settings = {"pos_grid": pos_text, "neg_grid": neg_text, "rows": rows}
    settings |= {"negatives": request.negatives, "neg_std": neg_std, "seed": request.seed}
    return table, {"losses": [name], **settings}


def run_request(request: GridRequest) -> tuple[pd.DataFrame, dict]:
    """(tidy table, settings used); the grid's cells are reported through
    :mod:`cselab.progress`."""
    if request.protocol not in PROTOCOLS:
        raise CselabError(f"--protocol must be one of {list(PROTOCOLS)}, got {request.protocol!r}")
    run = _run_li2024 if request.protocol == "li2024" else _run_cosine
    table, settings = run(request)
    return table, {"protocol": request.protocol, **settings}
