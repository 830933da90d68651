"""Per-batch gradient summaries, checked against the parts computed by hand."""

from __future__ import annotations

import math

import pytest
import torch

from cselab.errors import CselabError
from cselab.gradients.summaries import SUMMARY_KEYS, gradient_summary


def test_info_nce_summary_matches_hand_computation():
    g = torch.Generator().manual_seed(0)
    h = torch.randn(4, 5, generator=g, dtype=torch.float64)
    hp = h + 0.5 * torch.randn(4, 5, generator=g, dtype=torch.float64)
    tau = 0.1
    s = [[float(torch.cosine_similarity(h[i], hp[j], dim=0)) for j in range(4)] for i in range(4)]
    dis, share, neg = [], [], []
    for i in range(4):
        negs = [s[i][j] for j in range(4) if j != i]
        z = sum(math.exp(v / tau) for v in negs)
        dis.append(1 / (1 + math.exp(s[i][i] / tau) / z))
        share.append(math.exp(max(negs) / tau) / z)
        neg.append(sum(negs) / 3)
    got = gradient_summary("info_nce", h, hp, temperature=tau)
    assert set(got) == set(SUMMARY_KEYS)
    assert got["dissipation"] == pytest.approx(sum(dis) / 4, rel=1e-5)
    assert got["hardest_weight_share"] == pytest.approx(sum(share) / 4, rel=1e-5)
    assert got["ratio"] == 1.0
    assert got["positive_similarity"] == pytest.approx(sum(s[i][i] for i in range(4)) / 4, rel=1e-5)
    assert got["negative_similarity"] == pytest.approx(sum(neg) / 4, rel=1e-5)


def test_margin_summary_puts_all_weight_on_the_hardest_and_runs_without_grad():
    h = torch.randn(8, 6, requires_grad=True)
    hp = torch.randn(8, 6)
    out = gradient_summary("mpt", h, hp, torch.randn(8, 6))
    assert out["hardest_weight_share"] == pytest.approx(1.0)
    assert h.grad is None


def test_summary_errors():
    with pytest.raises(CselabError, match="no unified gradient form"):
        gradient_summary("barlow_twins", torch.randn(3, 2), torch.randn(3, 2))
    with pytest.raises(CselabError, match="anchor has 1 row"):
        gradient_summary("info_nce", torch.randn(1, 2), torch.randn(1, 2))


def test_triplet_summary_uses_one_negative_per_anchor():
    g = torch.Generator().manual_seed(1)
    a, p, n = (torch.randn(5, 4, generator=g) for _ in range(3))
    out = gradient_summary("triplet", a, p, n, margin=0.5, distance="cosine")
    expected = ((torch.cosine_similarity(a, n) - torch.cosine_similarity(a, p) + 0.5) > 0).float()
    assert out["dissipation"] == pytest.approx(expected.mean().item())
    assert out["hardest_weight_share"] == 1.0
    assert out["negative_similarity"] == pytest.approx(torch.cosine_similarity(a, n).mean().item())
    with pytest.raises(CselabError, match="needs the hard negatives"):
        gradient_summary("triplet", a, p)


def _hand_info_nce(rows, cols, tau):
    """(mean D, mean hardest share) of InfoNCE rows of cos(rows, cols), by hand."""
    n = len(rows)
    dis, share = [], []
    for i in range(n):
        s = [float(torch.cosine_similarity(rows[i], cols[j], dim=0)) for j in range(len(cols))]
        negs = [s[j] for j in range(len(cols)) if j != i]
        z = sum(math.exp(v / tau) for v in negs)
        dis.append(1 / (1 + math.exp(s[i] / tau) / z))
        share.append(math.exp(max(negs) / tau) / z)
    return sum(dis) / n, sum(share) / n


def test_symmetric_info_nce_summary_has_both_directions():
    g = torch.Generator().manual_seed(2)
    h = torch.randn(5, 4, generator=g, dtype=torch.float64)
    hp = h + 0.7 * torch.randn(5, 4, generator=g, dtype=torch.float64)
    negative = torch.randn(5, 4, generator=g, dtype=torch.float64)
    got = gradient_summary("symmetric_info_nce", h, hp, negative, temperature=0.2)
    forward = _hand_info_nce(h, torch.cat([hp, negative]), 0.2)
    backward = _hand_info_nce(hp, h, 0.2)  # positive → anchors: no hard negatives
    assert (got["dissipation"], got["hardest_weight_share"]) == pytest.approx(forward, rel=1e-5)
    assert (got["dissipation_backward"], got["hardest_weight_share_backward"]) == pytest.approx(
        backward, rel=1e-5
    )
    assert set(got) == set(SUMMARY_KEYS) | {f"{k}_backward" for k in SUMMARY_KEYS}


def test_summary_of_a_loss_module_uses_its_hyper_parameters():
    from cselab.losses import LOSSES

    g = torch.Generator().manual_seed(3)
    h, hp = torch.randn(6, 4, generator=g), torch.randn(6, 4, generator=g)
    by_module = gradient_summary(LOSSES["arccon"](temperature=0.3, margin_degrees=30.0), h, hp)
    assert by_module == gradient_summary("arccon", h, hp, temperature=0.3, margin_degrees=30.0)
    assert by_module != gradient_summary("arccon", h, hp)
