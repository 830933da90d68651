"""The (μ_pos, μ_neg, τ) grid of gradient parts and its figures."""

from __future__ import annotations

import math

import pytest

from cselab.errors import CselabError
from cselab.gradients.figures import write_grid_figures
from cselab.gradients.grid import gradient_grid, parse_grid


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
    paths = write_grid_figures(table, tmp_path)
    assert {p.name for p in paths} == {
        "hardest_weight_share.png",
        "dissipation_tau0.05.png",
        "dissipation_tau0.1.png",
        "ratio_tau0.05.png",
        "ratio_tau0.1.png",
    }
    assert all(p.stat().st_size > 1000 for p in paths)
