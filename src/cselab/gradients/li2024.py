"""The gradient parts under Li et al.'s (2024) simulation protocol, behind their Figs 2-4.

The authors' simulation (``simulation.py`` of BDBC-KG-NLP/UnderstandingCSE) samples
*angles* θ (radians) between the anchor and its candidates; grids are in units of π, and a
row of cosines s = cos θ is one anchor with its positive and ``negatives`` negatives (a
batch of 1 + negatives = 128). Every value here is computed by cselab's own parts
(:func:`cselab.gradients.parts.compute_parts`) of those rows.

- **Fig. 2, dissipation**: per cell (μ_pos, μ_neg), ``rows`` anchors with
  θ_pos ~ N(μ_pos π, σ_pos) and θ_neg ~ N(μ_neg π, σ_neg) (σ_pos = 0.05, σ_neg = 0.10);
  value = mean D_i. Paper: 100 × 100 cells on [0.05, 0.5]π × [0.05, 1]π, 1000 rows.
- **Fig. 3, weight**: θ_pos ~ N(0.5 rad, σ_pos) fixed; per μ_neg and τ the mean share of
  the hardest negative in W over the rows whose D_i ≥ 0.01 (rows with D_i < 0.01 are
  dropped; ``weight_rows_kept`` is the fraction kept, and where none is kept there is no
  value — the authors' code writes 1 there). τ ∈ {0.3, 0.1, 0.05, 0.03, 0.01, 0.005}.
- **Fig. 4, ratio**: no sampling, at the means: θ_pos = μ_pos π and every negative at
  μ_neg π; ``ratio_excluded`` = 1 where the pair does not occur in optimisation
  (μ_pos > μ_neg, or D < 0.01 at these angles), drawn shaded.

The same sampled rows serve every loss (common random numbers). A sampled angle outside
[0, π] enters through its cosine, i.e. as the angle arccos(cos θ) of a real configuration
(the authors' MAT dissipation compares the raw angles; the two differ only there).
Rows of the tidy table: ``run`` = loss, ``metric`` ∈ {dissipation, hardest_weight_share,
weight_rows_kept, ratio, ratio_excluded}, ``mu_pos``, ``mu_neg`` (angles in units of π),
``temperature`` (empty without one), ``protocol`` = "li2024".
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch

from cselab import progress
from cselab.errors import CselabError
from cselab.gradients.grid import (
    check_parameters,
    check_sizes,
    loss_temperatures,
    uses_temperature,
    with_temperature,
)
from cselab.gradients.grid_defaults import LI2024_LOSSES
from cselab.gradients.loss_spec import LossLike, registered_name, resolve_loss
from cselab.gradients.memory import cell_bytes
from cselab.gradients.parts import PARTS, compute_parts
from cselab.gradients.summaries import hardest_weight_share
from cselab.losses.validation import check_non_negative_number, check_positive_number
from cselab.results.table import make_table

PROTOCOL = "li2024"
BLOCK_BYTES = 256 * 2**20  # cells computed together


@dataclass(frozen=True)
class Li2024Settings:
    """The authors' simulation settings (angles in radians)."""

    rows: int = 1000  # anchors per cell (their "num_batches")
    negatives: int = 127  # their batch size 128 minus the positive
    pos_std: float = 0.05
    neg_std: float = 0.10
    weight_mu_pos: float = 0.5  # Fig. 3: the positive angle, fixed
    weight_temperatures: tuple[float, ...] = (0.3, 0.1, 0.05, 0.03, 0.01, 0.005)
    min_dissipation: float = 0.01  # Fig. 3 drops rows below it; Fig. 4 shades cells below it
    seed: int = 0

    def checked(self) -> Li2024Settings:
        check_sizes(self.rows, self.negatives)
        check_non_negative_number("pos_std", self.pos_std)
        check_non_negative_number("neg_std", self.neg_std)
        check_non_negative_number("min_dissipation", self.min_dissipation)
        if not self.weight_temperatures:
            raise CselabError("weight_temperatures: give at least one temperature")
        for tau in self.weight_temperatures:
            check_positive_number("weight temperature", tau)
        return self


@dataclass(frozen=True)
class _Loss:
    name: str
    params: dict
    temperatures: list[float | None]


def _resolve(losses: Sequence[LossLike], temperatures, params) -> list[_Loss]:
    """Names, parameters and τ values of the losses, each checked on a one-row example."""
    if not losses:
        raise CselabError(f"give at least one loss; the paper's are {list(LI2024_LOSSES)}")
    names = [loss if isinstance(loss, str) else registered_name(loss) for loss in losses]
    unknown = set(params) - set(names)
    if unknown:
        raise CselabError(f"parameters given for {sorted(unknown)}, which are not among {names}")
    resolved: list[_Loss] = []
    for loss, key in zip(losses, names, strict=True):
        name, loss_params = resolve_loss(loss, params.get(key, {}), PARTS)
        if name == "triplet":
            raise CselabError("triplet has one negative per anchor: use protocol 'cosine'")
        if name in [r.name for r in resolved]:
            raise CselabError(f"loss {name!r} is given twice")
        taus = temperatures if uses_temperature(name) else None
        entry = _Loss(name, loss_params, loss_temperatures(name, loss_params, taus))
        check_parameters(name, loss_params, entry.temperatures)
        resolved.append(entry)
    return resolved


def _blocks(items: list, rows: int, negatives: int) -> Iterator[list]:
    size = max(1, BLOCK_BYTES // cell_bytes(rows, negatives))
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sample_angle_rows(pos_means, neg_means, settings: Li2024Settings, generator):
    """Cosine rows (cells·rows, 1 + negatives) for angle means (radians) per cell."""
    cells, rows, negatives = len(pos_means), settings.rows, settings.negatives
    pos = torch.tensor(pos_means, dtype=torch.float64)[:, None, None]
    neg = torch.tensor(neg_means, dtype=torch.float64)[:, None, None]
    theta_pos = pos + settings.pos_std * torch.randn(
        cells, rows, 1, generator=generator, dtype=torch.float64
    )
    theta_neg = neg + settings.neg_std * torch.randn(
        cells, rows, negatives, generator=generator, dtype=torch.float64
    )
    return torch.cat([theta_pos, theta_neg], dim=2).cos().reshape(cells * rows, 1 + negatives)


def _record(loss: str, metric: str, value: float, pos: float, neg: float, tau) -> dict:
    return {
        "run": loss,
        "metric": metric,
        "value": value,
        "mu_pos": pos,
        "mu_neg": neg,
        "temperature": math.nan if tau is None else tau,
        "protocol": PROTOCOL,
    }


def dissipation_records(losses, mu_pos, mu_neg, settings, generator, progress) -> list[dict]:
    """Fig. 2: mean D over sampled rows per (μ_pos, μ_neg) cell."""
    records = []
    cells = [(p, n) for p in mu_pos for n in mu_neg]
    for block in _blocks(cells, settings.rows, settings.negatives):
        scores = sample_angle_rows(
            [p * math.pi for p, _ in block], [n * math.pi for _, n in block], settings, generator
        )
        labels = torch.zeros(scores.shape[0], dtype=torch.long)
        for loss in losses:
            for tau in loss.temperatures:
                parts = compute_parts(
                    loss.name, scores, labels, **with_temperature(loss.params, tau)
                )
                means = parts.dissipation.reshape(len(block), settings.rows).mean(dim=1)
                for (p, n), value in zip(block, means.tolist(), strict=True):
                    records.append(_record(loss.name, "dissipation", value, p, n, tau))
        progress(len(block))
    return records


def weight_records(losses, mu_neg, settings, generator, progress) -> list[dict]:
    """Fig. 3: share of the hardest negative per (μ_neg, τ), rows with D < 0.01 dropped."""
    records = []
    with_tau = [loss for loss in losses if loss.temperatures != [None]]
    pos = settings.weight_mu_pos / math.pi
    for block in _blocks(list(mu_neg), settings.rows, settings.negatives):
        scores = sample_angle_rows(
            [settings.weight_mu_pos] * len(block), [n * math.pi for n in block], settings, generator
        )
        labels = torch.zeros(scores.shape[0], dtype=torch.long)
        for loss in with_tau:
            for tau in settings.weight_temperatures:
                parts = compute_parts(
                    loss.name, scores, labels, **with_temperature(loss.params, tau)
                )
                share = hardest_weight_share(parts, scores, labels).reshape(len(block), -1)
                kept = (parts.dissipation >= settings.min_dissipation).reshape(len(block), -1)
                for n, row_share, row_kept in zip(block, share, kept, strict=True):
                    fraction = float(row_kept.double().mean())
                    records.append(_record(loss.name, "weight_rows_kept", fraction, pos, n, tau))
                    if bool(row_kept.any()):
                        value = float(row_share[row_kept].mean())
                        records.append(
                            _record(loss.name, "hardest_weight_share", value, pos, n, tau)
                        )
        progress(len(block))
    return records


def ratio_records(losses, mu_pos, mu_neg, settings) -> list[dict]:
    """Fig. 4: the ratio at the means (every negative at μ_neg), and where it is shaded."""
    records = []
    cells = [(p, n) for p in mu_pos for n in mu_neg]
    pos = torch.tensor([p * math.pi for p, _ in cells], dtype=torch.float64)[:, None]
    neg = torch.tensor([n * math.pi for _, n in cells], dtype=torch.float64)[:, None]
    scores = torch.cat([pos, neg.expand(-1, settings.negatives)], dim=1).cos()
    labels = torch.zeros(len(cells), dtype=torch.long)
    above = torch.tensor([p > n for p, n in cells])
    for loss in losses:
        for tau in loss.temperatures:
            parts = compute_parts(loss.name, scores, labels, **with_temperature(loss.params, tau))
            excluded = above | (parts.dissipation < settings.min_dissipation)
            for (p, n), r, out in zip(cells, parts.ratio.tolist(), excluded.tolist(), strict=True):
                records.append(_record(loss.name, "ratio", r, p, n, tau))
                records.append(_record(loss.name, "ratio_excluded", float(out), p, n, tau))
    return records


def work_units(mu_pos: Sequence[float], mu_neg: Sequence[float]) -> int:
    """What the progress task counts to: the Fig. 2 cells plus the Fig. 3 μ_neg values."""
    return len(mu_pos) * len(mu_neg) + len(mu_neg)


def li2024_grid(
    losses: Sequence[LossLike] = LI2024_LOSSES,
    mu_pos: Sequence[float] = (),
    mu_neg: Sequence[float] = (),
    temperatures: Sequence[float] | None = None,
    *,
    settings: Li2024Settings | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Tidy table of Figs 2-4 for ``losses`` (names, with ``params[name]`` as their
    hyper-parameters, or ``LOSSES`` modules) over μ_pos × μ_neg (angles in units of π);
    ``temperatures`` (Figs 2 and 4) default to each loss's own. Everything is checked
    before any work; the cells done are reported as a :mod:`cselab.progress` task."""
    settings = (settings or Li2024Settings()).checked()
    if not mu_pos or not mu_neg:
        raise CselabError("give at least one μ_pos and one μ_neg (angles in units of π)")
    resolved = _resolve(losses, temperatures, params or {})
    generator = torch.Generator().manual_seed(settings.seed)
    total = work_units(mu_pos, mu_neg)
    with progress.task("li2024 gradient grid", total=total, unit="cells") as task:
        records = dissipation_records(resolved, mu_pos, mu_neg, settings, generator, task.advance)
        records += weight_records(resolved, mu_neg, settings, generator, task.advance)
    records += ratio_records(resolved, mu_pos, mu_neg, settings)
    return make_table(records)
