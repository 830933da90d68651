"""Li et al.'s MHE, MHS and sample-similarity Barlow Twins / VICReg, with their knobs,
against the formulas written out here in numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from cselab.errors import CselabError
from cselab.losses import LOSSES


def unit_views(seed, n=6, d=4):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, d, generator=g, dtype=torch.float64)
    return z, z + 0.6 * torch.randn(n, d, generator=g, dtype=torch.float64)


def np_unit(t):
    a = t.numpy()
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def mhe_reference(u, v, lam, tau=None, ratio=1.0):
    n = len(u)
    scale = 1.0 if tau is None else 1.0 / tau

    def parts(w):
        s = w @ w.T * scale
        total = sum(math.exp(s[i, j]) for i in range(n) for j in range(i))
        if tau is None:
            return math.log(total), np.full(n, 1.0 / n)
        rows = [sum(math.exp(s[i, j]) for j in range(n) if j != i) for i in range(n)]
        return math.log(total), np.array(rows) / total / tau

    (uu, wu), (uv, wv) = parts(u), parts(v)
    align = 2 - 2 * np.sum(u * v, axis=1)
    return lam * (uu + uv) + ratio * np.sum(align * (wu + wv) / 2)


def mhs_reference(u, v, lam, ratio=None):
    n = len(u)

    def nearest(a, b):
        return np.array(
            [
                min(math.sqrt(np.sum((a[i] - b[j]) ** 2) + 1e-4) for j in range(n) if j != i)
                for i in range(n)
            ]
        )

    nu, nv = nearest(u, v), nearest(v, u)
    align = 2 - 2 * np.sum(u * v, axis=1)
    if ratio is None:
        weight = align
    else:
        weight = ratio * align * (1 / nu + 1 / nv) / 2
        return lam * (-nu.mean() - nv.mean()) + weight.mean()
    return lam * (-nu.mean() - nv.mean()) + weight.mean()


def sample_form_reference(u, v, kind, lam, tau=None, ratio=None):
    def direction(a, b):
        n = len(a)
        g = (b @ b.T) if kind == "barlow_twins" else (a @ a.T)
        if tau is None:
            w = 2 * g / n**2
        else:
            e = np.exp(g / tau)
            w = e / (e.sum() - np.trace(e))
        off = ~np.eye(n, dtype=bool)
        repulsion = sum(w[i, j] * a[i] @ a[j] for i in range(n) for j in range(n) if off[i, j])
        if ratio is not None:
            align = sum(-lam * ratio * w[i][off[i]].sum() * a[i] @ b[i] for i in range(n))
        elif kind == "vicreg":
            align = sum(-(2 / n) * a[i] @ b[i] for i in range(n))
        else:
            c = a.T @ b / n
            per_dim = (1 - (1 - lam) * np.diag(c)) * 2 / n
            align = -np.sum(per_dim * a * b)
        return align + lam * repulsion

    return direction(u, v) + direction(v, u)


def test_mhe_original_and_weighted():
    x, y = unit_views(0)
    u, v = np_unit(x), np_unit(y)
    assert LOSSES["mhe"]()(x, y).item() == pytest.approx(mhe_reference(u, v, 10.0), rel=1e-10)
    got = LOSSES["mhe_mod"](w_gd=False)(x, y).item()
    assert got == pytest.approx(mhe_reference(u, v, 1.0, tau=0.05, ratio=1.75), rel=1e-10)


def test_mhs_original_and_ratio():
    x, y = unit_views(1)
    u, v = np_unit(x), np_unit(y)
    assert LOSSES["mhs"]()(x, y).item() == pytest.approx(mhs_reference(u, v, 1.0), rel=1e-10)
    got = LOSSES["mhs_mod"](w_gd=False)(x, y).item()
    assert got == pytest.approx(mhs_reference(u, v, 1.0, ratio=1.75), rel=1e-10)


@pytest.mark.parametrize("kind", ["barlow_twins", "vicreg"])
def test_sample_similarity_forms(kind):
    x, y = unit_views(2)
    u, v = np_unit(x), np_unit(y)
    original = LOSSES[f"{kind}_mod"](lam=30.0, w_gd=False, w_w=False, w_r=False)(x, y).item()
    assert original == pytest.approx(sample_form_reference(u, v, kind, 30.0), rel=1e-10)
    modified = LOSSES[f"{kind}_mod"](w_gd=False)(x, y).item()
    expected = sample_form_reference(u, v, kind, 1.0, tau=0.05, ratio=1.5)
    assert modified == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("name", ["mhe_mod", "mhs_mod", "barlow_twins_mod", "vicreg_mod"])
def test_gradient_dissipation_detaches_far_anchors(name):
    """w_gd: an anchor with 1 − max_{j≠i} u_i·u_j ≥ m in both views gets no gradient."""
    g = torch.Generator().manual_seed(3)
    x = torch.randn(5, 4, generator=g, dtype=torch.float64)
    x[1] = x[0] + 0.01 * torch.randn(4, generator=g, dtype=torch.float64)  # a close pair
    x[2:] = torch.eye(4, dtype=torch.float64)[1:] * 2 - x[0] * 0  # far-apart directions
    y = x + 1e-3 * torch.randn(5, 4, generator=g, dtype=torch.float64)
    a = x.clone().requires_grad_(True)
    LOSSES[name](margin=0.05)(a, y).backward()
    u = torch.nn.functional.normalize(x, dim=1)
    sims = (u @ u.T).fill_diagonal_(-2)
    far = 1 - sims.max(dim=1).values >= 0.05
    assert far.any() and (~far).any()
    assert torch.all(a.grad[far] == 0)
    assert torch.all(a.grad[~far].abs().sum(dim=1) > 0)


@pytest.mark.parametrize(
    "name", ["mhe", "mhe_mod", "mhs", "mhs_mod", "barlow_twins_mod", "vicreg_mod"]
)
def test_modified_forms_properties(name):
    cls = LOSSES[name]
    assert cls.in_batch and "negative" not in cls.columns
    x, y = unit_views(4)
    assert cls()(3 * x, 0.5 * y).item() == pytest.approx(cls()(x, y).item(), rel=1e-9)
    with pytest.raises(CselabError, match="does not use hard negatives"):
        cls()(x, y, y)
    with pytest.raises(CselabError, match="ratio must be"):
        cls(ratio=-1.0)
    torch.manual_seed(0)
    data = torch.randn(16, 6)
    encoder = torch.nn.Linear(6, 6)
    opt = torch.optim.SGD(encoder.parameters(), lr=0.01)
    loss_fn = cls()
    values = []
    for _ in range(25):
        out = loss_fn(
            encoder(data + 0.2 * torch.randn_like(data)),
            encoder(data + 0.2 * torch.randn_like(data)),
        )
        opt.zero_grad()
        out.backward()
        opt.step()
        values.append(out.item())
    assert all(math.isfinite(v) for v in values)
    if name in ("mhe", "mhs"):  # true objectives; the knobbed forms are gradient surrogates
        assert sum(values[-5:]) < sum(values[:5])
