"""Li et al.'s simulation protocol, checked statistically against the authors' simulation
written out here in numpy from their description (angles θ_pos ~ N(μ_pos π, 0.05),
θ_neg ~ N(μ_neg π, 0.10), batch 128; Fig. 3 with θ_pos ~ N(0.5 rad, 0.05) and rows with
D < 0.01 dropped; Fig. 4 at the means), with its own random numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from cselab.errors import CselabError
from cselab.gradients.grid import gradient_grid
from cselab.gradients.li2024 import Li2024Settings, li2024_grid, sample_angle_rows, work_units

U = math.radians(10.0)


def authors_angles(mu_pos, mu_neg, rows, rng):
    """(θ_pos (rows, 1), θ_neg (rows, 127)) in radians, as the authors sample them."""
    return rng.normal(mu_pos, 0.05, size=(rows, 1)), rng.normal(mu_neg, 0.10, size=(rows, 127))


def authors_dissipation(loss, tp, tn, tau=0.05):
    """Per-row D of the authors' simulation for one loss (their defaults)."""
    if loss in ("info_nce", "arccon"):
        positive = np.cos(tp + U) if loss == "arccon" else np.cos(tp)
        ratio = np.exp(positive[:, 0] / tau) / np.exp(np.cos(tn) / tau).sum(axis=1)
        return 1 / (1 + ratio)
    if loss == "mpt":
        return (np.cos(tp[:, 0]) - np.cos(tn).max(axis=1) < 0.23).astype(float)
    if loss == "met":
        d_pos = np.sqrt(2 - 2 * np.cos(tp[:, 0]) + 1e-8)
        d_neg = np.sqrt(2 - 2 * np.cos(tn) + 1e-8)
        return (d_neg.min(axis=1) - d_pos < 0.45).astype(float)
    if loss == "mat":
        return (tn.min(axis=1) - tp[:, 0] < 0.15 * np.pi).astype(float)
    raise AssertionError(loss)


def close_within(got, values, extra=0.0):
    """|got − mean(values)| within 4 standard errors of a difference of two such means."""
    error = 4 * math.sqrt(2) * values.std() / math.sqrt(len(values)) + 1e-3 + extra
    assert abs(got - values.mean()) < error, (got, values.mean(), error)


def values(table, metric, run, **where):
    rows = table[(table["metric"] == metric) & (table["run"] == run)]
    for key, value in where.items():
        rows = rows[np.isclose(rows[key], value)]
    return rows["value"].tolist()


def test_sampled_angles_have_the_papers_means_and_spreads():
    settings = Li2024Settings(rows=20_000)
    generator = torch.Generator().manual_seed(1)
    rows = sample_angle_rows([0.3 * math.pi], [0.55 * math.pi], settings, generator)
    angles = torch.arccos(rows)  # all angles are inside (0, π) at these means
    for column, mean, std in (
        (angles[:, 0], 0.3 * math.pi, 0.05),
        (angles[:, 1:], 0.55 * math.pi, 0.10),
    ):
        assert abs(column.mean().item() - mean) < 4 * std / math.sqrt(column.numel())
        assert column.std().item() == pytest.approx(std, rel=0.02)
    assert rows.shape == (20_000, 128)


LOSSES_FIG2 = ["info_nce", "arccon", "mpt", "met", "mat"]


def test_dissipation_agrees_with_the_authors_simulation():
    cells = [(0.16, 0.3), (0.3, 0.45), (0.45, 0.6)]
    table = li2024_grid(
        LOSSES_FIG2,
        sorted({p for p, _ in cells}),
        sorted({n for _, n in cells}),
        settings=Li2024Settings(rows=3000, weight_temperatures=(0.05,)),
    )
    rng = np.random.default_rng(7)
    informative = 0
    for pos, neg in cells:
        tp, tn = authors_angles(pos * np.pi, neg * np.pi, 3000, rng)
        for loss in LOSSES_FIG2:
            reference = authors_dissipation(loss, tp, tn)
            (got,) = values(table, "dissipation", loss, mu_pos=pos, mu_neg=neg)
            close_within(got, reference)
            informative += 0.05 < reference.mean() < 0.95
    assert informative >= 5  # cells on the slope of D, where a wrong protocol would show


def test_info_nce_dissipation_is_the_authors_not_the_cosine_protocols():
    """At (0.16π, 0.3π): the authors' simulation gives D ≈ 0.54; sampling cosines gives 0.72."""
    table = li2024_grid(["info_nce"], [0.16], [0.3], settings=Li2024Settings(rows=4000))
    (li2024,) = values(table, "dissipation", "info_nce")
    cosine = gradient_grid(
        "info_nce", [math.cos(0.16 * math.pi)], [math.cos(0.3 * math.pi)], rows=4000
    )
    (by_cosines,) = values(cosine, "dissipation", "info_nce")
    assert li2024 == pytest.approx(0.54, abs=0.02)
    assert by_cosines == pytest.approx(0.72, abs=0.02)


def authors_weight(mu_neg, tau, rng, rows):
    """(mean share of the hardest negative over kept rows or None, kept fraction)."""
    tp, tn = authors_angles(0.5, mu_neg * np.pi, rows, rng)  # μ_pos fixed at 0.5 rad
    negatives = np.exp(np.cos(tn) / tau)
    dissipation = 1 / (1 + np.exp(np.cos(tp[:, 0]) / tau) / negatives.sum(axis=1))
    kept = dissipation >= 0.01
    share = negatives.max(axis=1) / negatives.sum(axis=1)
    return (share[kept] if kept.any() else None), kept.mean()


def test_weight_share_filter_and_fixed_positive_agree_with_the_authors():
    taus = (0.1, 0.05, 0.01)
    negs = [0.05, 0.2, 0.3, 0.35, 0.8]
    settings = Li2024Settings(rows=3000, weight_temperatures=taus)
    table = li2024_grid(["info_nce"], [0.2], negs, settings=settings)
    rng = np.random.default_rng(3)
    for neg in negs:
        for tau in taus:
            share, kept = authors_weight(neg, tau, rng, 3000)
            got_kept = values(table, "weight_rows_kept", "info_nce", mu_neg=neg, temperature=tau)
            assert got_kept[0] == pytest.approx(kept, abs=0.05)
            got = values(table, "hardest_weight_share", "info_nce", mu_neg=neg, temperature=tau)
            if share is None or len(share) < 30:  # too few kept rows to compare means
                assert got == [] or kept < 0.02
                continue
            close_within(got[0], share, extra=0.01)
    rows = table[table["metric"] == "hardest_weight_share"]
    assert np.allclose(rows["mu_pos"], 0.5 / math.pi)
    # nothing is kept at μ_neg = 0.8π, τ = 0.01: no value (the authors' code writes 1 there)
    assert values(table, "hardest_weight_share", "info_nce", mu_neg=0.8, temperature=0.01) == []
    assert values(table, "weight_rows_kept", "info_nce", mu_neg=0.8, temperature=0.01) == [0.0]


def test_weight_share_rises_with_mu_neg_under_li2024_but_not_with_cosines():
    settings = Li2024Settings(rows=1000, weight_temperatures=(0.05,))
    table = li2024_grid(["info_nce"], [0.2], [0.05, 0.15, 0.3], settings=settings)
    share = values(table, "hardest_weight_share", "info_nce")
    assert share[0] < 0.02 < share[1] < 0.05 < 0.1 < share[2]  # 0.011, 0.034, 0.12 measured
    cosine = gradient_grid("info_nce", [0.9], [0.0, 0.2, 0.4], rows=2000)
    flat = values(cosine, "hardest_weight_share", "info_nce")
    assert max(flat) - min(flat) < 0.02  # 0.241, 0.238, 0.239 measured


def test_ratio_at_the_means_and_its_shading():
    pos, neg = [0.1, 0.3, 0.5], [0.2, 0.4, 0.9]
    table = li2024_grid(["arccon", "met", "mat"], pos, neg, settings=Li2024Settings(rows=10))
    for p in pos:
        for n in neg:
            tp, tn = p * math.pi, n * math.pi
            d_pos, d_neg = math.sqrt(2 - 2 * math.cos(tp)), math.sqrt(2 - 2 * math.cos(tn))
            expected = {
                "arccon": math.sin(tp + U) / math.sin(tp),
                "met": d_neg / d_pos,
                "mat": math.sin(tn) / math.sin(tp),
            }
            arccon_d = 1 / (
                1 + math.exp(math.cos(tp + U) / 0.05) / (127 * math.exp(math.cos(tn) / 0.05))
            )
            dissipated = {
                "arccon": arccon_d < 0.01,
                "met": d_neg - d_pos >= 0.45,
                "mat": tn - tp >= 0.15 * math.pi,
            }
            for loss, ratio in expected.items():
                (got,) = values(table, "ratio", loss, mu_pos=p, mu_neg=n)
                assert got == pytest.approx(ratio, rel=1e-9)
                (shaded,) = values(table, "ratio_excluded", loss, mu_pos=p, mu_neg=n)
                assert shaded == float(tp > tn or dissipated[loss])
    assert 0 < sum(values(table, "ratio_excluded", "met")) < 9  # both kinds of cell occur


def test_bad_requests_are_named_before_any_work():
    grid = ([0.2], [0.4])
    with pytest.raises(CselabError, match="use protocol 'cosine'"):
        li2024_grid(["triplet"], *grid)
    with pytest.raises(CselabError, match="'info_nce' is given twice"):
        li2024_grid(["info_nce", "info_nce"], *grid)
    with pytest.raises(CselabError, match="not among"):
        li2024_grid(["met"], *grid, params={"mpt": {"margin": 0.1}})
    with pytest.raises(
        CselabError, match=r"'arccon' gradient parts take no parameter\(s\) \['margin'\]"
    ):
        li2024_grid(["arccon"], *grid, params={"arccon": {"margin": 0.1}})
    with pytest.raises(CselabError, match="temperature must be"):
        li2024_grid(["info_nce"], *grid, [0.0])
    with pytest.raises(CselabError, match="weight temperature must be"):
        li2024_grid(["info_nce"], *grid, settings=Li2024Settings(weight_temperatures=(-1.0,)))
    with pytest.raises(CselabError, match="need about"):
        li2024_grid(["info_nce"], *grid, settings=Li2024Settings(rows=10**9))
    assert work_units([0.1, 0.2], [0.3, 0.4, 0.5]) == 6 + 3


def test_a_loss_module_and_the_progress_count(capsys):
    from cselab import progress
    from cselab.losses import LOSSES

    settings = Li2024Settings(rows=20, weight_temperatures=(0.1,))
    with progress.showing("lines", interval=0.0):
        table = li2024_grid(
            [LOSSES["mpt"](margin=0.5), "sg_surrogate"], [0.1, 0.3], [0.2, 0.6],
            settings=settings,
        )  # fmt: skip
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "li2024 gradient grid (6 cells) ..."
    assert any(line.startswith("li2024 gradient grid: 6/6 cells (100 %)") for line in lines)
    assert lines[-1].startswith("li2024 gradient grid: done")
    assert work_units([0.1, 0.3], [0.2, 0.6]) == 6
    with_margin = li2024_grid(["mpt"], [0.1, 0.3], [0.2, 0.6], settings=settings,
                              params={"mpt": {"margin": 0.5}})  # fmt: skip
    mpt = table[table["run"] == "mpt"]
    assert set(mpt["metric"]) == {"dissipation", "ratio", "ratio_excluded"}  # no temperature
    assert set(table["protocol"]) == {"li2024"}
    # the same seed samples the same rows: the module's margin is the one used
    assert values(table, "dissipation", "mpt") == values(with_margin, "dissipation", "mpt")
    default = li2024_grid(["mpt"], [0.1, 0.3], [0.2, 0.6], settings=settings)
    assert values(default, "dissipation", "mpt") != values(with_margin, "dissipation", "mpt")
