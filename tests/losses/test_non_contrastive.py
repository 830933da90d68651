"""Alignment/uniformity, Barlow Twins, VICReg and BYOL against their authors' formulas."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

from cselab.errors import CselabError
from cselab.losses import LOSSES
from cselab.losses.byol import ema_update


def views(seed, n=8, d=5):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, d, generator=g, dtype=torch.float64)
    return z, z + 0.5 * torch.randn(n, d, generator=g, dtype=torch.float64)


def test_align_uniform_matches_wang_isola():
    x, y = views(0)
    xn, yn = (v.numpy() / np.linalg.norm(v.numpy(), axis=1, keepdims=True) for v in (x, y))
    align = np.mean(np.sum((xn - yn) ** 2, axis=1))

    def unif(z):
        vals = [math.exp(-2 * np.sum((z[i] - z[j]) ** 2)) for i in range(len(z)) for j in range(i)]
        return math.log(sum(vals) / len(vals))

    loss = LOSSES["align_uniform"](uniformity_weight=0.5)
    out = loss(x, y)
    expected = align + 0.5 * (unif(xn) + unif(yn)) / 2
    assert out.item() == pytest.approx(expected, rel=1e-10)
    assert float(loss.last_parts["alignment"]) == pytest.approx(align, rel=1e-10)


def test_barlow_twins_matches_reference_code():
    """Zbontar et al.'s code: BatchNorm1d(affine=False), c = bn(z1)ᵀbn(z2)/N, λ = 0.0051."""
    z1, z2 = views(1, n=16, d=6)
    bn = torch.nn.BatchNorm1d(6, affine=False).double().train()
    c = bn(z1).T @ bn(z2) / 16
    on = (torch.diagonal(c) - 1).pow(2).sum()
    off = sum(c[k, m] ** 2 for k in range(6) for m in range(6) if k != m)
    expected = on + 0.0051 * off
    assert LOSSES["barlow_twins"]()(z1, z2).item() == pytest.approx(expected.item(), rel=1e-10)


def test_barlow_twins_is_invariant_to_per_dimension_affine_maps():
    z1, z2 = views(2, n=32, d=4)
    scale = torch.tensor([0.5, 2.0, 3.0, 1.5], dtype=torch.float64)
    shift = torch.tensor([1.0, -2.0, 0.3, 5.0], dtype=torch.float64)
    loss = LOSSES["barlow_twins"]()
    moved = loss(z1 * scale + shift, z2 * scale.flip(0) - shift).item()
    assert moved == pytest.approx(loss(z1, z2).item(), rel=1e-4)


def test_vicreg_matches_reference_formula():
    z1, z2 = views(3, n=10, d=4)
    a, b = z1.numpy(), z2.numpy()
    n, d = a.shape
    inv = np.mean((a - b) ** 2)

    def var(z):
        std = np.sqrt(z.var(axis=0, ddof=1) + 1e-4)
        return np.mean(np.maximum(0, 1 - std))

    def cov(z):
        c = np.cov(z, rowvar=False)
        return (np.sum(c**2) - np.sum(np.diag(c) ** 2)) / d

    expected = 25 * inv + 25 * (var(a) + var(b)) / 2 + (cov(a) + cov(b))
    loss = LOSSES["vicreg"]()
    out = loss(z1, z2)
    assert out.item() == pytest.approx(expected, rel=1e-10)
    assert set(loss.last_parts) == {"invariance", "variance", "covariance"}


def test_byol_loss_predictor_and_ema():
    torch.manual_seed(0)
    x, y = views(4, n=6, d=8)
    loss = LOSSES["byol"](dim=8, hidden_size=16).double()
    assert sum(p.numel() for p in loss.parameters()) > 0  # trainer must optimise these
    out = loss(x, y)
    q = loss.predictor(x)
    cos = torch.nn.functional.cosine_similarity(q, y, dim=1)
    assert out.item() == pytest.approx((2 - 2 * cos).mean().item(), rel=1e-10)
    target = y.clone().requires_grad_(True)
    loss(x, target).backward()
    assert target.grad is None  # the target view never gets a gradient
    online, tgt = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    before = copy.deepcopy(tgt)
    ema_update(online, tgt, 0.9)
    assert torch.allclose(tgt.weight, 0.9 * before.weight + 0.1 * online.weight)
    with pytest.raises(CselabError, match="decay must be in"):
        ema_update(online, tgt, 1.5)
    with pytest.raises(CselabError, match="expects dim 8"):
        loss(torch.randn(4, 5).double(), torch.randn(4, 5).double())
    lazy = LOSSES["byol"]()
    assert lazy(torch.randn(4, 7), torch.randn(4, 7)).dim() == 0


@pytest.mark.parametrize("name", ["align_uniform", "barlow_twins", "vicreg", "byol"])
def test_non_contrastive_errors(name):
    cls = LOSSES[name]
    assert cls.in_batch and "negative" not in cls.columns
    x = torch.randn(4, 3)
    with pytest.raises(CselabError, match="does not use hard negatives"):
        cls()(x, x, x)
    with pytest.raises(CselabError, match="anchor has 1 row"):
        cls()(x[:1], x[:1])
    with pytest.raises(CselabError, match=r"positive has shape \(4, 2\)"):
        cls()(x, x[:, :2])


@pytest.mark.parametrize("name", ["align_uniform", "barlow_twins", "vicreg"])
def test_non_contrastive_decrease_and_gradcheck(name):
    torch.manual_seed(0)
    x = torch.randn(32, 6)
    encoder = torch.nn.Linear(6, 6)
    opt = torch.optim.SGD(encoder.parameters(), lr=0.05)
    values = []
    for _ in range(30):
        out = LOSSES[name]()(
            encoder(x + 0.2 * torch.randn_like(x)), encoder(x + 0.2 * torch.randn_like(x))
        )
        opt.zero_grad()
        out.backward()
        opt.step()
        values.append(out.item())
    assert sum(values[-5:]) < sum(values[:5])
    a, b = (v.clone().requires_grad_(True) for v in views(5, n=5, d=3))
    assert torch.autograd.gradcheck(lambda p, q: LOSSES[name]()(p, q), (a, b))
