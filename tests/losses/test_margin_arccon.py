"""ArcCon, MPT, MET, MAT and the sg surrogate against their formulas written out here."""

from __future__ import annotations

import math

import pytest
import torch

from cselab.errors import CselabError
from cselab.losses import LOSSES


def cos(u, v):
    return float(u @ v) / (float(u.norm()) * float(v.norm()))


def batch(seed, b=5, d=6):
    g = torch.Generator().manual_seed(seed)
    h = torch.randn(b, d, generator=g, dtype=torch.float64)
    return h, h + 0.7 * torch.randn(b, d, generator=g, dtype=torch.float64)


def rows(h, hp):
    return [[cos(h[i], hp[j]) for j in range(len(hp))] for i in range(len(h))]


def test_arccon_matches_its_formula():
    h, hp = batch(0)
    tau, u = 0.05, math.radians(10)
    total = 0.0
    for i, row in enumerate(rows(h, hp)):
        pos = math.exp(math.cos(math.acos(row[i]) + u) / tau)
        neg = sum(math.exp(s / tau) for j, s in enumerate(row) if j != i)
        total += -math.log(pos / (pos + neg))
    got = LOSSES["arccon"]()(h, hp).item()
    assert got == pytest.approx(total / len(h), rel=1e-9)
    # zero margin gives InfoNCE
    zero = LOSSES["arccon"](margin_degrees=0.0)(h, hp).item()
    assert zero == pytest.approx(LOSSES["info_nce"]()(h, hp).item(), rel=1e-5)


@pytest.mark.parametrize("margin", [0.23, 1.0])
def test_mpt_matches_its_formula(margin):
    h, hp = batch(1)
    expected = sum(
        max(0.0, max(s for j, s in enumerate(row) if j != i) - row[i] + margin)
        for i, row in enumerate(rows(h, hp))
    ) / len(h)
    assert LOSSES["mpt"](margin=margin)(h, hp).item() == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("margin", [0.45, 1.2])
def test_met_matches_its_formula(margin):
    h, hp = batch(2)

    def dist(s):
        return math.sqrt(max(2 - 2 * s, 1e-4))

    expected = sum(
        max(0.0, dist(row[i]) - min(dist(s) for j, s in enumerate(row) if j != i) + margin)
        for i, row in enumerate(rows(h, hp))
    ) / len(h)
    assert LOSSES["met"](margin=margin)(h, hp).item() == pytest.approx(expected, rel=1e-10)


def test_mat_matches_its_formula():
    h, hp = batch(3)
    m = 0.15 * math.pi
    expected = sum(
        max(0.0, math.acos(row[i]) - min(math.acos(s) for j, s in enumerate(row) if j != i) + m)
        for i, row in enumerate(rows(h, hp))
    ) / len(h)
    assert LOSSES["mat"]()(h, hp).item() == pytest.approx(expected, rel=1e-8)


def test_hard_negatives_join_the_candidates():
    h, hp = batch(4)
    hn = torch.randn_like(h)  # candidates = in-batch positives, then all hard negatives
    cands = torch.cat([hp, hn])
    expected = sum(
        max(0.0, max(s for j, s in enumerate(row) if j != i) - row[i] + 1.0)
        for i, row in enumerate(rows(h, cands))
    ) / len(h)
    assert LOSSES["mpt"](margin=1.0)(h, hp, hn).item() == pytest.approx(expected, rel=1e-10)
    hn = h.clone()  # a negative identical to the anchor is the hardest: loss = 1 − s_ii + m
    expected = sum(1 - r[i] + 0.23 for i, r in enumerate(rows(h, hp))) / len(h)
    assert LOSSES["mpt"]()(h, hp, hn).item() == pytest.approx(expected, rel=1e-9)


def test_sg_surrogate_value_matches_its_formula():
    h, hp = batch(5)
    m, r, tau = 0.3, 1.5, 0.1

    def direction(a, b):
        total = 0.0
        for i, row in enumerate(rows(a, b)):
            negs = {j: s for j, s in enumerate(row) if j != i}
            if row[i] - max(negs.values()) >= m:
                continue
            z = sum(math.exp(s / tau) for s in negs.values())
            total += sum(math.exp(s / tau) / z * (s - r * row[i]) for s in negs.values())
        return total / len(a)

    expected = 0.5 * (direction(h, hp) + direction(hp, h))
    got = LOSSES["sg_surrogate"](margin=m, ratio=r, temperature=tau)(h, hp).item()
    assert got == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("name", ["arccon", "mpt", "met", "mat", "sg_surrogate"])
def test_contrastive_properties_and_errors(name):
    cls = LOSSES[name]
    assert cls.in_batch and "negative" not in cls.columns
    h, hp = batch(6, b=4, d=3)
    loss = cls()
    assert loss(2.5 * h, 0.3 * hp).item() == pytest.approx(loss(h, hp).item())
    a, b = h.clone().requires_grad_(True), hp.clone().requires_grad_(True)
    if name != "sg_surrogate":  # piecewise: gradcheck away from kinks on these inputs
        assert torch.autograd.gradcheck(lambda x, y: cls()(x, y), (a, b))
    with pytest.raises(CselabError, match="anchor has 1 row"):
        loss(torch.randn(1, 3), torch.randn(1, 3))
    with pytest.raises(CselabError, match="must be a finite number"):
        cls(**{"temperature" if name in ("arccon", "sg_surrogate") else "margin": -1.0})
    nan = torch.randn(4, 3)
    nan[0, 0] = math.nan
    with pytest.raises(CselabError, match="anchor .* NaN"):
        loss(nan, hp.float())


@pytest.mark.parametrize("name", ["info_nce", "arccon", "mpt", "met", "mat", "sg_surrogate"])
def test_contrastive_losses_decrease_on_a_toy_problem(name):
    torch.manual_seed(0)
    x = torch.randn(16, 8)
    encoder = torch.nn.Linear(8, 8)
    opt = torch.optim.SGD(encoder.parameters(), lr=0.5)
    loss_fn = LOSSES[name]()
    values = []
    yardstick = LOSSES["info_nce"](temperature=0.1)  # the sg value is a surrogate, not a score
    for _ in range(40):
        out = loss_fn(
            encoder(x + 0.3 * torch.randn_like(x)), encoder(x + 0.3 * torch.randn_like(x))
        )
        opt.zero_grad()
        out.backward()
        opt.step()
        if name == "sg_surrogate":
            with torch.no_grad():
                out = yardstick(encoder(x), encoder(x + 0.3 * torch.randn_like(x)))
        values.append(out.item())
    assert sum(values[-5:]) < sum(values[:5])
