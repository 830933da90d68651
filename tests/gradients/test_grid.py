"""The (μ_pos, μ_neg, τ) grid of gradient parts and its figures."""

from __future__ import annotations

import math

import pytest
import torch

from cselab.errors import CselabError
from cselab.gradients.grid import gradient_grid, parse_grid, sample_rows, truncated_normal
from cselab.report.gradient_figures import write_gradient_figures


def test_grid_table_shape_and_trends():
    table = gradient_grid("info_nce", [0.4, 0.9], [0.0, 0.6], [0.05, 0.5], rows=16, negatives=31)
    assert len(table) == 2 * 2 * 2 * 3
    assert {"mu_pos", "mu_neg", "temperature"} <= set(table.columns)
    dis = table[(table.metric == "dissipation") & (table.temperature == 0.05)]
    value = {(r.mu_pos, r.mu_neg): r.value for r in dis.itertuples()}
    # the gradient dissipates when the positive beats the negatives (Li et al. Fig. 2)
    assert value[(0.9, 0.0)] < value[(0.4, 0.0)] < value[(0.4, 0.6)]
    share = table[table.metric == "hardest_weight_share"].groupby("temperature")["value"].mean()
    assert share[0.05] > share[0.5]  # lower τ concentrates weight on hard negatives (Fig. 3)


def test_grid_margin_loss_has_no_temperature_and_ratio_matches_met():
    table = gradient_grid("met", [0.8], [0.2], rows=8, negatives=1, neg_std=0.0)
    assert table["temperature"].isna().all()
    ratio = table[table.metric == "ratio"]["value"].item()
    assert ratio == pytest.approx(math.sqrt(2 - 0.4) / math.sqrt(2 - 1.6))


def test_grid_errors_and_parsing():
    assert parse_grid("--pos-grid", "0:1:3") == [0.0, 0.5, 1.0]
    assert parse_grid("--neg-grid", "0.1, 0.2") == [0.1, 0.2]
    with pytest.raises(CselabError, match="--pos-grid must be"):
        parse_grid("--pos-grid", "a:b")
    with pytest.raises(CselabError, match=r"--neg-grid must give cosines in \[-1, 1\]"):
        parse_grid("--neg-grid", "0.5,1.5")
    with pytest.raises(CselabError, match="supported: "):
        gradient_grid("vicreg", [0.5], [0.1])
    with pytest.raises(CselabError, match="has no temperature"):
        gradient_grid("mpt", [0.5], [0.1], [0.1])
    with pytest.raises(CselabError, match="temperature must be"):
        gradient_grid("info_nce", [0.5], [0.1], [0.0])


def test_figures_are_written(tmp_path):
    table = gradient_grid("arccon", [0.5, 0.9], [0.0, 0.5], [0.05, 0.1], rows=4, negatives=7)
    paths = write_gradient_figures(table, tmp_path)
    assert {p.name for p in paths} == {
        "hardest_weight_share.png",
        "dissipation_tau0.05.png",
        "dissipation_tau0.1.png",
        "ratio_tau0.05.png",
        "ratio_tau0.1.png",
    }
    assert all(p.stat().st_size > 1000 for p in paths)


@pytest.mark.parametrize(("mean", "std"), [(0.95, 0.1), (-0.9, 0.3), (0.2, 0.1)])
def test_negative_cosines_follow_the_truncated_normal(mean, std):
    """Moments against scipy's truncated normal; nothing piles up at ±1 (no clamp ties)."""
    from scipy.stats import truncnorm

    generator = torch.Generator().manual_seed(0)
    values = truncated_normal(mean, std, (200_000,), generator=generator)
    reference = truncnorm((-1 - mean) / std, (1 - mean) / std, loc=mean, scale=std)
    standard_error = reference.std() / math.sqrt(len(values))
    assert abs(values.mean().item() - reference.mean()) < 4 * standard_error
    assert values.std().item() == pytest.approx(reference.std(), rel=0.01)
    assert values.min() > -1 and values.max() < 1
    assert len(torch.unique(values)) == len(values)


def test_rows_near_cosine_one_have_a_single_hardest_negative():
    rows = sample_rows(0.9, 1.0, rows=64, negatives=127, neg_std=0.1, generator=torch.Generator())
    negatives = rows[:, 1:]
    assert ((negatives == negatives.amax(dim=1, keepdim=True)).sum(dim=1) == 1).all()


def test_grid_of_a_loss_module_and_its_protocol_column():
    from cselab.losses import LOSSES

    module = LOSSES["info_nce"](temperature=0.2)
    table = gradient_grid(module, [0.5], [0.1, 0.3], rows=8, negatives=7)
    assert set(table["temperature"]) == {0.2} and set(table["protocol"]) == {"cosine"}
    same = gradient_grid("info_nce", [0.5], [0.1, 0.3], [0.2], rows=8, negatives=7)
    assert table["value"].tolist() == same["value"].tolist()


def test_a_cell_that_cannot_fit_in_memory_is_refused_before_any_work():
    with pytest.raises(
        CselabError, match=r"rows=100000000 x \(1 \+ negatives=127\) cosines need about 1.23 TB"
    ):
        gradient_grid("info_nce", [0.5], [0.1], rows=100_000_000)
