"""Triplet loss against FaceNet's formula written out here."""

from __future__ import annotations

import pytest
import torch

from cselab.errors import CselabError
from cselab.losses import LOSSES
from cselab.losses.triplet import TripletLoss


def facenet_reference(a, p, n, alpha, distance, normalize=True):
    total = 0.0
    for ai, pi, ni in zip(a, p, n, strict=True):
        if distance == "cosine":
            dp = 1 - float(ai @ pi) / float(ai.norm() * pi.norm())
            dn = 1 - float(ai @ ni) / float(ai.norm() * ni.norm())
        else:
            if normalize:
                ai, pi, ni = ai / ai.norm(), pi / pi.norm(), ni / ni.norm()
            dp = sum((float(x) - float(y)) ** 2 for x, y in zip(ai, pi, strict=True))
            dn = sum((float(x) - float(y)) ** 2 for x, y in zip(ai, ni, strict=True))
            if distance == "euclidean":
                dp, dn = dp**0.5, dn**0.5
        total += max(0.0, dp - dn + alpha)
    return total / len(a)


@pytest.mark.parametrize("distance", ["squared_euclidean", "euclidean", "cosine"])
@pytest.mark.parametrize("normalize", [True, False])
def test_triplet_matches_facenet_formula(distance, normalize):
    g = torch.Generator().manual_seed(0)
    a, p, n = (torch.randn(8, 5, generator=g, dtype=torch.float64) for _ in range(3))
    for margin in (0.0, 0.2, 1.0):
        loss = TripletLoss(margin=margin, distance=distance, normalize=normalize)
        expected = facenet_reference(a, p, n, margin, distance, normalize)
        assert loss(a, p, n).item() == pytest.approx(expected, rel=1e-10, abs=1e-12)


def test_triplet_properties():
    g = torch.Generator().manual_seed(1)
    a, p, n = (torch.randn(4, 3, generator=g, dtype=torch.float64) for _ in range(3))
    cos = TripletLoss(distance="cosine", margin=0.3)
    assert cos(2 * a, 3 * p, 0.5 * n).item() == pytest.approx(cos(a, p, n).item())
    # a positive equal to the anchor and a far negative give zero loss
    assert TripletLoss()(a, a.clone(), -a).item() == 0.0
    a.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x: TripletLoss(margin=5.0)(x, p, n), (a,))
    assert TripletLoss()(a[:1], p[:1], n[:1]).dim() == 0  # batch of one is fine


def test_triplet_errors():
    cls = LOSSES["triplet"]
    assert "negative" in cls.columns and not cls.in_batch
    x = torch.randn(3, 4)
    with pytest.raises(CselabError, match="negative is None"):
        cls()(x, x)
    with pytest.raises(CselabError, match="margin must be"):
        cls(margin=-0.1)
    with pytest.raises(CselabError, match="distance must be one of"):
        cls(distance="l1")
    with pytest.raises(CselabError, match=r"negative has shape \(2, 4\)"):
        cls()(x, x, torch.randn(2, 4))
