"""The three gradient parts over a grid of μ_pos, μ_neg and τ (Li et al. 2024, Figs 2-4).

The parts of one anchor depend only on its row of cosines (s_ii, s_ij), and any row is
realised by unit vectors (h_i = e_0, h'_j = s_j e_0 + sqrt(1 − s_j²) e_j with orthogonal
e_j), so each grid cell samples ``rows`` rows directly: the positive cosine is μ_pos and
the ``negatives`` negative cosines are clamp(μ_neg + σ z, −1, 1), z ~ N(0, 1) (seeded).
A cell's value is the mean over its rows. Rows of the tidy table: ``run`` = loss name,
``metric`` ∈ {dissipation, hardest_weight_share, ratio}, extra columns
``mu_pos, mu_neg, temperature`` (temperature empty for losses without one).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from cselab.errors import CselabError
from cselab.gradients.parts import PARTS, compute_parts
from cselab.gradients.summaries import summarise_parts
from cselab.losses.validation import check_non_negative_number
from cselab.results.table import make_table

GRID_METRICS = ("dissipation", "hardest_weight_share", "ratio")


#: Values per grid axis: a heatmap of 1,000 columns is already finer than its pixels.
MAX_GRID_VALUES = 1000


def parse_grid(option: str, text: str) -> list[float]:
    """'start:stop:num' (inclusive, evenly spaced) or 'a,b,c' -> floats in [−1, 1]; at most
    ``MAX_GRID_VALUES`` values per axis (a figure cannot show more)."""
    try:
        if ":" in text:
            start, stop, num = text.split(":")
            count = min(int(num), MAX_GRID_VALUES + 1)  # more is refused below, unbuilt
            values = np.linspace(float(start), float(stop), count).tolist()
        else:
            values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise CselabError(
            f"{option} must be 'start:stop:num' or a comma list of numbers, got {text!r}"
        ) from None
    if len(values) > MAX_GRID_VALUES:
        raise CselabError(f"{option} {text!r}: at most {MAX_GRID_VALUES} values per axis")
    if not values or any(not (-1.0 <= v <= 1.0) for v in values):
        raise CselabError(f"{option} must give cosines in [-1, 1], got {text!r}")
    return [round(v, 10) for v in values]


def uses_temperature(loss_name: str) -> bool:
    """True when the loss's parts take a ``temperature`` parameter."""
    return "temperature" in inspect.signature(PARTS[loss_name]).parameters


def sample_rows(mu_pos, mu_neg, *, rows, negatives, neg_std, generator) -> torch.Tensor:
    """Cosine rows (rows, 1 + negatives), float64: column 0 the positive."""
    noise = torch.randn(rows, negatives, generator=generator, dtype=torch.float64)
    negative = (mu_neg + neg_std * noise).clamp(-1.0, 1.0)
    positive = torch.full((rows, 1), float(mu_pos), dtype=torch.float64)
    return torch.cat([positive, negative], dim=1)


def gradient_grid(
    loss_name: str,
    mu_pos: Sequence[float],
    mu_neg: Sequence[float],
    temperatures: Sequence[float] | None = None,
    *,
    rows: int = 64,
    negatives: int = 127,
    neg_std: float = 0.1,
    seed: int = 0,
    **params,
) -> pd.DataFrame:
    """Tidy table of the mean parts of ``loss_name`` for every (μ_pos, μ_neg, τ) cell."""
    if loss_name not in PARTS:
        raise CselabError(
            f"loss {loss_name!r} has no unified gradient form; supported: {sorted(PARTS)}"
        )
    if rows < 1 or negatives < 1:
        raise CselabError(
            f"rows and negatives must be >= 1, got rows={rows}, negatives={negatives}"
        )
    neg_std = check_non_negative_number("neg_std", neg_std)
    if loss_name == "triplet" and negatives != 1:
        raise CselabError(f"triplet has one negative per anchor; use negatives=1, got {negatives}")
    if uses_temperature(loss_name):
        taus: list[float | None] = list(temperatures) if temperatures else [0.05]
    elif temperatures:
        raise CselabError(f"loss {loss_name!r} has no temperature; drop --temperature")
    else:
        taus = [None]
    generator = torch.Generator().manual_seed(seed)
    labels = torch.zeros(rows, dtype=torch.long)
    records = []
    for tau in taus:
        cell_params = dict(params) if tau is None else {**params, "temperature": tau}
        for pos in mu_pos:
            for neg in mu_neg:
                scores = sample_rows(
                    pos, neg, rows=rows, negatives=negatives, neg_std=neg_std, generator=generator
                )
                parts = compute_parts(loss_name, scores, labels, **cell_params)
                summary = summarise_parts(parts, scores, labels)
                for metric in GRID_METRICS:
                    records.append(
                        {
                            "run": loss_name,
                            "metric": metric,
                            "value": float(summary[metric].mean()),
                            "mu_pos": pos,
                            "mu_neg": neg,
                            "temperature": math.nan if tau is None else tau,
                        }
                    )
    return make_table(records)
