"""The gradient parts over a grid of cosines μ_pos × μ_neg × τ (``protocol="cosine"``).

The parts of one anchor depend only on its row of cosines (s_ii, s_ij), and any row is
realised by unit vectors (h_i = e_0, h'_j = s_j e_0 + sqrt(1 − s_j²) e_j with orthogonal
e_j), so each grid cell samples ``rows`` rows directly: the positive cosine is μ_pos and
the ``negatives`` negative cosines are drawn from N(μ_neg, σ²) truncated to [−1, 1]
(inverse-CDF sampling, seeded: no cosine piles up at ±1, so no artificial ties for the
hardest negative). A cell's value is the mean over its rows. Because every negative
cosine of a row is shifted by μ_neg with the same spread σ, softmax weights (InfoNCE,
ArcCon, sg) do not depend on μ_neg here (away from the truncation); Li et al.'s protocol,
which samples angles, is :mod:`cselab.gradients.li2024`.

Rows of the tidy table: ``run`` = loss name, ``metric`` ∈ {dissipation,
hardest_weight_share, ratio}, extra columns ``mu_pos, mu_neg, temperature`` (temperature
empty for losses without one) and ``protocol`` = "cosine".
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from cselab import progress
from cselab.errors import CselabError
from cselab.gradients.loss_spec import LossLike, keyword_parameters, resolve_loss
from cselab.gradients.memory import check_cell_fits
from cselab.gradients.parts import PARTS, compute_parts
from cselab.gradients.summaries import summarise_parts
from cselab.losses.validation import check_non_negative_number
from cselab.results.table import make_table

GRID_METRICS = ("dissipation", "hardest_weight_share", "ratio")
PROTOCOL = "cosine"


#: Values per grid axis: a heatmap of 1,000 columns is already finer than its pixels.
MAX_GRID_VALUES = 1000


def parse_grid(
    option: str, text: str, *, low: float = -1.0, high: float = 1.0, unit: str = "cosines"
) -> list[float]:
    """'start:stop:num' (inclusive, evenly spaced) or 'a,b,c' -> floats in [low, high]; at
    most ``MAX_GRID_VALUES`` values per axis (a figure cannot show more)."""
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
    if not values or any(not (low <= v <= high) for v in values):
        raise CselabError(f"{option} must give {unit} in [{low:g}, {high:g}], got {text!r}")
    return [round(v, 10) for v in values]


def uses_temperature(loss_name: str) -> bool:
    """True when the loss's parts take a ``temperature`` parameter."""
    return "temperature" in keyword_parameters(PARTS[loss_name])


def loss_temperatures(
    name: str, params: dict, temperatures: Sequence[float] | None
) -> list[float | None]:
    """The τ values of a grid: those given, else the loss's own (default 0.05); [None] for
    a loss without a temperature (giving some is then an error)."""
    if uses_temperature(name):
        return list(temperatures) if temperatures else [params.get("temperature", 0.05)]
    if temperatures:
        raise CselabError(f"loss {name!r} has no temperature; drop --temperature")
    return [None]


def truncated_normal(mean, std, shape, *, low=-1.0, high=1.0, generator) -> torch.Tensor:
    """Float64 samples of N(mean, std²) truncated to [low, high] (inverse CDF)."""
    if std == 0:
        return torch.full(shape, float(mean), dtype=torch.float64)
    lower = torch.special.ndtr(torch.tensor((low - mean) / std, dtype=torch.float64))
    upper = torch.special.ndtr(torch.tensor((high - mean) / std, dtype=torch.float64))
    uniform = torch.rand(shape, generator=generator, dtype=torch.float64)
    values = mean + std * torch.special.ndtri(lower + (upper - lower) * uniform)
    return values.clamp(low, high)  # only round-off can leave the interval


def sample_rows(mu_pos, mu_neg, *, rows, negatives, neg_std, generator) -> torch.Tensor:
    """Cosine rows (rows, 1 + negatives), float64: column 0 the positive."""
    negative = truncated_normal(mu_neg, neg_std, (rows, negatives), generator=generator)
    positive = torch.full((rows, 1), float(mu_pos), dtype=torch.float64)
    return torch.cat([positive, negative], dim=1)


def with_temperature(params: dict, tau: float | None) -> dict:
    """``params`` with ``temperature`` = τ (unchanged for a loss without one)."""
    return dict(params) if tau is None else {**params, "temperature": tau}


def check_parameters(name: str, params: dict, taus: Sequence[float | None]) -> None:
    """Bad hyper-parameters fail here, on a one-row example, before any grid work."""
    scores = torch.tensor([[0.5, 0.1]], dtype=torch.float64)
    for tau in taus:
        compute_parts(
            name, scores, torch.zeros(1, dtype=torch.long), **with_temperature(params, tau)
        )


def check_sizes(rows: int, negatives: int) -> None:
    """At least one row and one negative, and one cell that fits in memory."""
    if rows < 1 or negatives < 1:
        raise CselabError(
            f"rows and negatives must be >= 1, got rows={rows}, negatives={negatives}"
        )
    check_cell_fits(rows, negatives)


def gradient_grid(
    loss: LossLike,
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
    """Tidy table of the mean parts of ``loss`` (a name with ``params``, or a ``LOSSES``
    module) for every (μ_pos, μ_neg, τ) cell; ``temperatures`` default to the loss's."""
    name, params = resolve_loss(loss, params, PARTS)
    check_sizes(rows, negatives)
    neg_std = check_non_negative_number("neg_std", neg_std)
    if name == "triplet" and negatives != 1:
        raise CselabError(f"triplet has one negative per anchor; use negatives=1, got {negatives}")
    generator = torch.Generator().manual_seed(seed)
    labels = torch.zeros(rows, dtype=torch.long)
    records = []
    taus = loss_temperatures(name, params, temperatures)
    check_parameters(name, params, taus)
    cells = len(taus) * len(mu_pos) * len(mu_neg)
    with progress.task("cosine gradient grid", total=cells, unit="cells") as task:
        for tau, pos, neg in itertools.product(taus, mu_pos, mu_neg):
            cell_params = with_temperature(params, tau)
            scores = sample_rows(
                pos, neg, rows=rows, negatives=negatives, neg_std=neg_std, generator=generator
            )
            parts = compute_parts(name, scores, labels, **cell_params)
            summary = summarise_parts(parts, scores, labels)
            for metric in GRID_METRICS:
                records.append(
                    {
                        "run": name,
                        "metric": metric,
                        "value": float(summary[metric].mean()),
                        "mu_pos": pos,
                        "mu_neg": neg,
                        "temperature": math.nan if tau is None else tau,
                        "protocol": PROTOCOL,
                    }
                )
            task.advance()
    return make_table(records)
