"""Parts of the sg surrogate as the authors run it (``authors_compat``) against autograd of
the whole loss (both directions, nothing detached by hand), in float64."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from cselab.errors import CselabError
from cselab.gradients.parts import anchor_gradient, compute_parts
from cselab.losses import LOSSES
from cselab.losses.surrogate import surrogate_mask
from cselab.similarity import cosine


def views(seed, n=8, d=5, noise=0.8):
    g = torch.Generator().manual_seed(seed)
    anchor = torch.randn(n, d, generator=g, dtype=torch.float64) * 2
    return anchor, anchor + noise * torch.randn(n, d, generator=g, dtype=torch.float64)


def masks(anchor, positive, margin):
    labels = torch.arange(anchor.shape[0])
    forward = surrogate_mask(cosine(anchor, positive), labels, margin)
    backward = surrogate_mask(cosine(positive, anchor), labels, margin)
    return forward, backward


def autograd_wrt_anchor(anchor, positive, settings):
    x = anchor.clone().requires_grad_(True)
    loss = LOSSES["sg_surrogate"](authors_compat=True, **settings)(x, positive)
    (grad,) = torch.autograd.grad(loss, x)
    return grad


def find_batch(condition, margin):
    for seed in range(200):
        anchor, positive = views(seed)
        forward, backward = masks(anchor, positive, margin)
        if condition(forward, backward):
            return anchor, positive
    raise AssertionError("no such batch among 200 seeds")


@pytest.mark.parametrize(
    "settings",
    [
        {"margin": 0.30, "ratio": 1.0, "temperature": 0.05},
        {"margin": 0.50, "ratio": 1.5, "temperature": 0.3},
        {"margin": 0.40, "ratio": 2.0, "power": 2},
    ],
)
def test_compat_parts_equal_autograd_when_no_anchor_is_pulled_only(settings):
    margin = settings["margin"]
    anchor, positive = find_batch(  # some rows masked, none with D_i = 0 and D'_i = 1
        lambda f, b: 0 < int(f.sum()) < len(f) and not bool((~f & b).any()), margin
    )
    labels = torch.arange(anchor.shape[0])
    parts = compute_parts(
        "sg_surrogate", cosine(anchor, positive), labels, authors_compat=True, **settings
    )
    got = anchor_gradient(parts, anchor, positive, labels)
    torch.testing.assert_close(
        got, autograd_wrt_anchor(anchor, positive, settings), rtol=0, atol=1e-12
    )


def test_the_effective_ratio_is_r_times_one_plus_the_other_directions_share():
    """r_i = r (1 + D'_i n₀/n₁) without hard negatives: 2r when every row is masked."""
    anchor, positive = views(3)
    labels = torch.arange(8)
    scores = cosine(anchor, positive)
    every = compute_parts(
        "sg_surrogate", scores, labels, margin=5.0, ratio=1.5, authors_compat=True
    )
    torch.testing.assert_close(every.ratio, torch.full((8,), 3.0, dtype=torch.float64))
    forward, backward = masks(anchor, positive, 0.3)
    n0, n1 = int(forward.sum()), int(backward.sum())
    some = compute_parts("sg_surrogate", scores, labels, margin=0.3, ratio=1.5, authors_compat=True)
    expected = 1.5 * (1 + backward.double() * n0 / n1)
    torch.testing.assert_close(some.ratio, expected)
    assert n0 != n1 or not torch.equal(forward, backward)  # a case where the masks differ


def test_an_anchor_pulled_only_by_the_other_direction_is_outside_the_form():
    """D_i = 0, D'_i = 1: autograd has the pull D'_i r h'_i/(n₁B) that the form cannot carry."""
    settings = {"margin": 0.30, "ratio": 1.5, "temperature": 0.05}
    anchor, positive = find_batch(lambda f, b: bool((~f & b).any()) and bool(f.any()), 0.30)
    labels = torch.arange(anchor.shape[0])
    parts = compute_parts(
        "sg_surrogate", cosine(anchor, positive), labels, authors_compat=True, **settings
    )
    residual = autograd_wrt_anchor(anchor, positive, settings) - anchor_gradient(
        parts, anchor, positive, labels
    )
    forward, backward = masks(anchor, positive, 0.30)
    only_pulled = ~forward & backward
    unit, target = F.normalize(anchor, dim=1), F.normalize(positive, dim=1)
    pull = 1.5 / (int(backward.sum()) * anchor.shape[0]) * target  # −∂L/∂h_i of that term
    tangent = pull - (pull * unit).sum(dim=1, keepdim=True) * unit
    expected = -tangent / anchor.norm(dim=1, keepdim=True) * only_pulled[:, None]
    torch.testing.assert_close(residual, expected, rtol=0, atol=1e-12)


def test_compat_parts_need_the_batch_square():
    scores = torch.rand(3, 5, dtype=torch.float64)
    with pytest.raises(CselabError, match="authors_compat parts need the batch's own cosines"):
        compute_parts("sg_surrogate", scores, torch.tensor([2, 3, 4]), authors_compat=True)
