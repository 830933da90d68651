"""InfoNCE and symmetric InfoNCE against their published formulas, written out here."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from cselab.errors import CselabError
from cselab.losses import LOSSES
from cselab.losses.info_nce import (
    InfoNCE,
    SymmetricInfoNCE,
    candidate_labels,
    info_nce_loss,
    symmetric_info_nce_loss,
)


def simcse_reference(h, hp, hn=None, tau=0.05):
    """SimCSE eq. (1)/(5): explicit loops over anchors and candidates, cosine in plain maths."""
    cands = list(hp) + ([] if hn is None else list(hn))
    total = 0.0
    for i, hi in enumerate(h):
        sims = [float(hi @ c) / (float(hi.norm()) * float(c.norm())) for c in cands]
        denom = sum(math.exp(s / tau) for s in sims)
        total += -math.log(math.exp(sims[i] / tau) / denom)
    return total / len(h)


def test_info_nce_matches_simcse_formula_unsupervised_and_supervised():
    g = torch.Generator().manual_seed(0)
    h, hp, hn = (torch.randn(5, 7, generator=g, dtype=torch.float64) for _ in range(3))
    for tau in (0.05, 0.5, 1.0):
        assert InfoNCE(temperature=tau)(h, hp).item() == pytest.approx(
            simcse_reference(h, hp, tau=tau), rel=1e-10
        )
        assert InfoNCE(temperature=tau)(h, hp, hn).item() == pytest.approx(
            simcse_reference(h, hp, hn, tau=tau), rel=1e-10
        )


def test_info_nce_equals_cross_entropy_on_similarity_matrix():
    g = torch.Generator().manual_seed(1)
    h, hp = torch.randn(6, 4, generator=g), torch.randn(6, 4, generator=g)
    for name, sim in {
        "cosine": F.normalize(h, dim=1) @ F.normalize(hp, dim=1).T,
        "dot": h @ hp.T,
        "neg_l2": -torch.cdist(h, hp),
    }.items():
        expected = F.cross_entropy(sim / 0.1, torch.arange(6))
        got = info_nce_loss(h, hp, torch.arange(6), temperature=0.1, similarity=name)
        assert got.item() == pytest.approx(expected.item(), rel=1e-5)


def test_gathered_candidates_with_offset_labels_reproduce_the_global_batch():
    """Two 'ranks' of 3 anchors each against gathered candidates = one batch of 6."""
    g = torch.Generator().manual_seed(2)
    h, hp, hn = (torch.randn(6, 5, generator=g, dtype=torch.float64) for _ in range(3))
    full = InfoNCE()(h, hp, hn)
    gathered = torch.cat([hp, hn])  # all positives of all ranks, then all negatives
    per_rank = [
        info_nce_loss(h[r * 3 : (r + 1) * 3], gathered, candidate_labels(3, offset=r * 3))
        for r in range(2)
    ]
    assert torch.stack(per_rank).mean().item() == pytest.approx(full.item(), rel=1e-12)


def test_symmetric_matches_forward_plus_backward_formula():
    g = torch.Generator().manual_seed(3)
    h, hp, hn = (torch.randn(4, 6, generator=g, dtype=torch.float64) for _ in range(3))
    tau = 0.05
    expected = 0.5 * (simcse_reference(h, hp, hn, tau) + simcse_reference(hp, h, None, tau))
    assert SymmetricInfoNCE()(h, hp, hn).item() == pytest.approx(expected, rel=1e-10)
    # symmetric in its two views when there are no hard negatives
    a, b = SymmetricInfoNCE()(h, hp), SymmetricInfoNCE()(hp, h)
    assert a.item() == pytest.approx(b.item(), rel=1e-12)
    labels = torch.arange(4)
    assert symmetric_info_nce_loss(h, hp, hp, h, labels).item() == pytest.approx(a.item())


def test_cosine_info_nce_is_scale_invariant_and_gradchecks():
    g = torch.Generator().manual_seed(4)
    h = torch.randn(4, 3, generator=g, dtype=torch.float64, requires_grad=True)
    hp = torch.randn(4, 3, generator=g, dtype=torch.float64, requires_grad=True)
    loss = InfoNCE(temperature=0.2)
    assert loss(3.0 * h, 0.5 * hp).item() == pytest.approx(loss(h, hp).item())
    assert torch.autograd.gradcheck(lambda a, b: loss(a, b), (h, hp))
    sym = SymmetricInfoNCE(temperature=0.2)
    assert torch.autograd.gradcheck(lambda a, b: sym(a, b), (h, hp))


def test_info_nce_decreases_on_a_toy_problem():
    torch.manual_seed(0)
    x = torch.randn(16, 8)
    encoder = torch.nn.Linear(8, 8)
    opt = torch.optim.SGD(encoder.parameters(), lr=0.5)
    loss_fn = InfoNCE(temperature=0.1)
    losses = []
    for _ in range(30):
        a = encoder(x + 0.3 * torch.randn_like(x))
        b = encoder(x + 0.3 * torch.randn_like(x))
        out = loss_fn(a, b)
        opt.zero_grad()
        out.backward()
        opt.step()
        losses.append(out.item())
    assert losses[-1] < 0.7 * losses[0]


@pytest.mark.parametrize("name", ["info_nce", "symmetric_info_nce"])
def test_bad_inputs_are_named(name):
    cls = LOSSES[name]
    assert cls.in_batch and "negative" not in cls.columns
    with pytest.raises(CselabError, match="temperature"):
        cls(temperature=0.0)
    with pytest.raises(CselabError, match="temperature"):
        cls(temperature=-1.0)
    with pytest.raises(CselabError, match="similarity"):
        cls(similarity="manhattan")
    loss = cls()
    with pytest.raises(CselabError, match=r"anchor has 1 row"):
        loss(torch.randn(1, 4), torch.randn(1, 4))
    with pytest.raises(CselabError, match=r"positive has shape \(3, 5\)"):
        loss(torch.randn(3, 4), torch.randn(3, 5))
    bad = torch.randn(3, 4)
    bad[1, 2] = float("nan")
    with pytest.raises(CselabError, match="positive .* NaN"):
        loss(torch.randn(3, 4), bad)
    with pytest.raises(CselabError, match=r"negative has shape"):
        loss(torch.randn(3, 4), torch.randn(3, 4), torch.randn(2, 4))


def test_pure_function_checks_labels():
    h, c = torch.randn(3, 4), torch.randn(5, 4)
    with pytest.raises(CselabError, match=r"labels must lie in \[0, 4\]"):
        info_nce_loss(h, c, torch.tensor([0, 1, 5]))
    with pytest.raises(CselabError, match=r"labels have shape \(2,\)"):
        info_nce_loss(h, c, torch.tensor([0, 1]))
    with pytest.raises(CselabError, match="embedding dims differ"):
        info_nce_loss(h, torch.randn(5, 3), torch.arange(3))
