"""Analytic unified gradients against torch.autograd, to 1e-6 in float64."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from cselab.errors import CselabError
from cselab.gradients.parts import PARTS, anchor_gradient, compute_parts, unified_descent
from cselab.losses import LOSSES
from cselab.losses.arccon import arccon_logits, arccon_loss
from cselab.losses.info_nce import info_nce_loss, symmetric_info_nce_loss
from cselab.losses.margin import (
    mat_from_scores,
    mat_loss,
    met_from_scores,
    met_loss,
    mpt_from_scores,
    mpt_loss,
)
from cselab.losses.surrogate import sg_surrogate_loss
from cselab.similarity import cosine

PURE = {
    "info_nce": info_nce_loss,
    "arccon": arccon_loss,
    "mpt": mpt_loss,
    "met": met_loss,
    "mat": mat_loss,
    # the module averages two directions; the anchor only gets the first one
    "sg_surrogate": lambda a, c, y, **p: 0.5 * sg_surrogate_loss(a, c, y, **p),
}
FROM_SCORES = {
    "info_nce": lambda s, y, temperature: F.cross_entropy(s / temperature, y),
    "arccon": lambda s, y, temperature, margin_degrees: F.cross_entropy(
        arccon_logits(s, y, temperature, margin_degrees), y
    ),
    "mpt": lambda s, y, margin: mpt_from_scores(s, y, margin),
    "met": lambda s, y, margin: met_from_scores(s, y, margin),
    "mat": lambda s, y, margin: mat_from_scores(s, y, margin),
}
PARAMS = {
    "info_nce": [{"temperature": 0.05}, {"temperature": 0.7}],
    "arccon": [
        {"temperature": 0.05, "margin_degrees": 10.0},
        {"temperature": 0.3, "margin_degrees": 25.0},
    ],
    "mpt": [{"margin": 0.23}, {"margin": 1.2}],
    "met": [{"margin": 0.45}, {"margin": 1.5}],
    "mat": [{"margin": 0.15 * math.pi}, {"margin": 1.5}],
    "sg_surrogate": [
        {"margin": 0.3, "ratio": 1.5, "temperature": 0.05},
        {"margin": 2.0, "power": 2.0},
    ],
}
CASES = [(name, params) for name, plist in PARAMS.items() for params in plist]


def autograd_wrt_anchor(name, anchor, candidates, labels, params):
    x = anchor.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(PURE[name](x, candidates, labels, **params), x)
    return grad


def analytic(name, anchor, candidates, labels, params):
    with torch.no_grad():
        parts = compute_parts(name, cosine(anchor, candidates), labels, **params)
        return parts, anchor_gradient(parts, anchor, candidates, labels)


def random_batch(seed, b=6, d=5, hard_negatives=True):
    g = torch.Generator().manual_seed(seed)
    anchor = torch.randn(b, d, generator=g, dtype=torch.float64) * 2
    positive = anchor + 0.8 * torch.randn(b, d, generator=g, dtype=torch.float64)
    candidates = positive
    if hard_negatives:
        candidates = torch.cat([positive, torch.randn(b, d, generator=g, dtype=torch.float64)])
    return anchor, candidates, torch.arange(b)


@pytest.mark.parametrize(("name", "params"), CASES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_unified_form_equals_autograd_on_random_inputs(name, params, seed):
    anchor, candidates, labels = random_batch(seed, hard_negatives=seed != 1)
    parts, grad = analytic(name, anchor, candidates, labels, params)
    torch.testing.assert_close(
        grad, autograd_wrt_anchor(name, anchor, candidates, labels, params), rtol=0, atol=1e-6
    )
    assert torch.allclose(parts.weights.sum(dim=1), torch.ones(len(labels), dtype=torch.float64))
    assert (parts.weights.gather(1, labels[:, None]) == 0).all()


@pytest.mark.parametrize(("name", "params"), [c for c in CASES if c[0] in FROM_SCORES])
@pytest.mark.parametrize("kind", ["random", "identical_negatives", "positive_is_anchor"])
def test_unified_form_in_the_unit_anchor_matches_autograd(name, params, kind):
    """Without the projection: s = h·h' with h a unit leaf, gradient w.r.t. h itself
    (this also sees the pull along h_i that the projection hides when h'_i = h_i)."""
    anchor, candidates, labels = random_batch(3) if kind == "random" else edge_case(kind)
    h = F.normalize(anchor, dim=1).requires_grad_(True)
    hp = F.normalize(candidates, dim=1)
    (grad,) = torch.autograd.grad(FROM_SCORES[name](h @ hp.T, labels, **params), h)
    parts = compute_parts(name, (h @ hp.T).detach(), labels, **params)
    torch.testing.assert_close(-unified_descent(parts, hp, labels), grad, rtol=0, atol=1e-6)


def edge_case(kind, d=6):
    g = torch.Generator().manual_seed(7)
    anchor = torch.randn(3, d, generator=g, dtype=torch.float64)
    positive = anchor + 0.5 * torch.randn(3, d, generator=g, dtype=torch.float64)
    negatives = torch.randn(4, d, generator=g, dtype=torch.float64)
    if kind == "identical_negatives":
        negatives = negatives[:1].expand(4, d).clone()
    if kind == "positive_is_anchor":
        positive = anchor.clone() * 3.0  # same direction: cosine exactly 1 after normalising
    candidates = torch.cat([positive, negatives])
    return anchor, candidates, torch.arange(3)


@pytest.mark.parametrize(("name", "params"), CASES)
@pytest.mark.parametrize("kind", ["identical_negatives", "positive_is_anchor"])
def test_unified_form_on_edge_cases(name, params, kind):
    anchor, candidates, labels = edge_case(kind)
    _, grad = analytic(name, anchor, candidates, labels, params)
    torch.testing.assert_close(
        grad, autograd_wrt_anchor(name, anchor, candidates, labels, params), rtol=0, atol=1e-6
    )


def test_identical_negatives_share_the_weight_equally():
    g = torch.Generator().manual_seed(0)
    anchor = torch.randn(2, 4, generator=g, dtype=torch.float64)
    candidates = torch.cat([anchor + 0.1, torch.ones(3, 4, dtype=torch.float64)])
    scores = cosine(anchor, candidates)
    for name in ("info_nce", "mpt", "met", "mat"):
        weights = compute_parts(name, scores, torch.arange(2)).weights
        # anchor 0's negatives: candidate 1 (other positive) and three identical ones
        tied = weights[0, 2:]
        assert torch.allclose(tied, tied[0].expand(3))


@pytest.mark.parametrize("name", ["info_nce", "arccon", "sg_surrogate"])
@pytest.mark.parametrize("temperature", [1e-2, 1e-3])
def test_unified_form_at_very_small_temperature(name, temperature):
    anchor, candidates, labels = random_batch(5)
    params = {"temperature": temperature}
    parts, grad = analytic(name, anchor, candidates, labels, params)
    assert torch.isfinite(grad).all()
    torch.testing.assert_close(
        grad, autograd_wrt_anchor(name, anchor, candidates, labels, params), rtol=1e-6, atol=1e-6
    )
    if name != "sg_surrogate":  # weights collapse onto the hardest negative as τ → 0
        assert parts.weights.max(dim=1).values.min() > 0.5 or temperature > 1e-3


def test_info_nce_parts_match_the_papers_table():
    """D = 1/(1 + e^{s_ii/τ}/Σ_{j≠i} e^{s_ij/τ}), W = softmax over negatives (Li et al.)."""
    scores = torch.tensor([[0.9, 0.2, 0.5], [0.1, 0.7, 0.6]], dtype=torch.float64)
    tau = 0.1
    parts = compute_parts("info_nce", scores, torch.tensor([0, 1]), temperature=tau)
    for i in range(2):
        negs = [j for j in range(3) if j != i]
        denom = sum(math.exp(scores[i, j].item() / tau) for j in negs)
        d = 1 / (1 + math.exp(scores[i, i].item() / tau) / denom)
        assert parts.dissipation[i].item() == pytest.approx(d, rel=1e-12)
        for j in negs:
            assert parts.weights[i, j].item() == pytest.approx(
                math.exp(scores[i, j].item() / tau) / denom, rel=1e-12
            )


def test_margin_parts_switch_off_with_the_hinge():
    scores = torch.tensor([[0.9, 0.2, 0.5], [0.1, 0.7, 0.6]], dtype=torch.float64)
    labels = torch.tensor([0, 1])
    mpt = compute_parts("mpt", scores, labels, margin=0.23)
    assert mpt.dissipation.tolist() == [0.0, 1.0]  # 0.9−0.5 ≥ 0.23; 0.7−0.6 < 0.23
    assert mpt.weights[1].tolist() == [0.0, 0.0, 1.0]
    met = compute_parts("met", scores, labels, margin=0.45)
    d = lambda s: math.sqrt(2 - 2 * s)  # noqa: E731
    assert met.ratio[1].item() == pytest.approx(d(0.6) / d(0.7))


def test_unsupported_losses_are_named():
    scores, labels = torch.zeros(2, 3), torch.arange(2)
    with pytest.raises(CselabError, match=r"'vicreg' has no unified gradient form; supported: \["):
        compute_parts("vicreg", scores, labels)
    with pytest.raises(CselabError, match="temperature must be"):
        compute_parts("info_nce", scores, labels, temperature=0.0)
    with pytest.raises(
        CselabError, match=r"'mpt' gradient parts take no parameter\(s\) \['temperature'\]"
    ):
        compute_parts("mpt", scores, labels, temperature=0.1)
    assert set(PARTS) == {
        "info_nce", "symmetric_info_nce", "arccon", "mpt", "met", "mat", "sg_surrogate", "triplet"
    }  # fmt: skip


@pytest.mark.parametrize("distance", ["squared_euclidean", "cosine", "euclidean"])
@pytest.mark.parametrize("margin", [0.2, 3.0])
def test_triplet_unified_form_matches_autograd(distance, margin):
    from cselab.losses.triplet import triplet_loss

    g = torch.Generator().manual_seed(11)
    a, p, n = (torch.randn(6, 5, generator=g, dtype=torch.float64) for _ in range(3))
    n[0] = n[1] = n[2]  # identical negatives
    p[3] = 2 * a[3]  # positive identical to the anchor (direction)
    x = a.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(triplet_loss(x, p, n, margin=margin, distance=distance), x)
    scores = torch.stack(
        [F.cosine_similarity(a, p, dim=1), F.cosine_similarity(a, n, dim=1)], dim=1
    )
    labels = torch.zeros(6, dtype=torch.long)
    parts = compute_parts("triplet", scores, labels, margin=margin, distance=distance)
    assert parts.dissipation.sum() > 0
    candidates = torch.stack([p, n], dim=1)  # (B, 2, d): per-anchor candidates
    torch.testing.assert_close(
        anchor_gradient(parts, a, candidates, labels), grad, rtol=0, atol=1e-6
    )


@pytest.mark.parametrize("temperature", [0.05, 0.7, 1e-3])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_symmetric_info_nce_parts_of_each_direction_equal_autograd(temperature, seed):
    """Anchor rows (anchor → positives + hard negatives) and positive rows (positive →
    anchors), each with the other view held fixed as candidates."""
    anchor, candidates, labels = random_batch(seed, hard_negatives=seed != 1)
    positive = candidates[: len(labels)]
    x, y = anchor.clone().requires_grad_(True), positive.clone().requires_grad_(True)
    held = torch.cat([y, candidates[len(labels) :]]).detach()
    loss = symmetric_info_nce_loss(x, y, held, x.detach(), labels, temperature=temperature)
    want_anchor, want_positive = torch.autograd.grad(loss, (x, y))
    params = {"temperature": temperature}
    with torch.no_grad():
        forward = compute_parts("symmetric_info_nce", cosine(anchor, candidates), labels, **params)
        backward = compute_parts("symmetric_info_nce", cosine(positive, anchor), labels, **params)
        got_anchor = anchor_gradient(forward, anchor, candidates, labels)
        got_positive = anchor_gradient(backward, positive, anchor, labels)
    torch.testing.assert_close(got_anchor, want_anchor, rtol=1e-6, atol=1e-8)
    torch.testing.assert_close(got_positive, want_positive, rtol=1e-6, atol=1e-8)
    assert torch.allclose(backward.weights.sum(dim=1), torch.ones(len(labels), dtype=torch.float64))


MODULE_PARAMS = {
    "info_nce": {"temperature": 0.2},
    "symmetric_info_nce": {"temperature": 0.3},
    "arccon": {"temperature": 0.1, "margin_degrees": 20.0},
    "mpt": {"margin": 0.4},
    "met": {"margin": 0.9},
    "mat": {"margin": 0.01},
    "sg_surrogate": {"margin": 0.6, "ratio": 1.7, "temperature": 0.2},
    "triplet": {"margin": 0.5, "distance": "euclidean"},
}


@pytest.mark.parametrize("name", sorted(PARTS))
def test_a_loss_module_gives_the_parts_of_its_hyper_parameters(name):
    params = MODULE_PARAMS[name]
    anchor, candidates, labels = random_batch(4, hard_negatives=False)
    if name == "triplet":
        scores, labels = cosine(anchor, candidates)[:, :2], torch.zeros(6, dtype=torch.long)
    else:
        scores = cosine(anchor, candidates)
    by_name = compute_parts(name, scores, labels, **params)
    by_module = compute_parts(LOSSES[name](**params), scores, labels)
    for field in ("dissipation", "weights", "ratio", "scale"):
        torch.testing.assert_close(getattr(by_module, field), getattr(by_name, field))
    default = compute_parts(name, scores, labels)
    assert any(
        not torch.equal(getattr(default, f), getattr(by_name, f))
        for f in ("dissipation", "weights", "ratio", "scale")
    )  # the chosen hyper-parameters matter, so the module's were read


def test_a_loss_module_with_keywords_or_without_parts_is_named():
    scores, labels = torch.zeros(2, 3), torch.arange(2)
    with pytest.raises(CselabError, match="through its module, not also as keywords"):
        compute_parts(LOSSES["info_nce"](), scores, labels, temperature=0.1)
    with pytest.raises(CselabError, match="'vicreg' has no unified gradient form"):
        compute_parts(LOSSES["vicreg"](), scores, labels)
    with pytest.raises(CselabError, match="Linear is not a cselab loss"):
        compute_parts(torch.nn.Linear(2, 2), scores, labels)
