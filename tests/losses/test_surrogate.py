"""The sg surrogate with ``authors_compat=True`` against the authors' formulas, written out
here from their description (BDBC-KG-NLP/UnderstandingCSE, ``sg`` with ``w_gd``): mask
per direction from the detached cosines, the positive term attached to both views, the
mean over the masked rows' entries, the two directions summed."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from cselab.errors import CselabError
from cselab.losses import LOSSES
from cselab.losses.candidates import CandidateLoss
from cselab.losses.surrogate import sg_surrogate_loss, surrogate_mask
from cselab.similarity import cosine


def authors_sg(view0, view1, *, margin, ratio, temperature=None, power=None):
    """L = Σ_dir mean_{i: mask_i, all j} W_ij (s_ij − r·align_i), align_i = u_i·v_i attached."""
    u, v = F.normalize(view0, dim=-1), F.normalize(view1, dim=-1)
    n = u.shape[0]
    off_diagonal = ~torch.eye(n, dtype=torch.bool)
    cos = (u @ v.T).detach()
    big = 1e8 * torch.eye(n, dtype=u.dtype)
    mask_rows = cos.diagonal() - (cos - big).max(dim=1).values < margin
    mask_cols = cos.diagonal() - (cos - big).max(dim=0).values < margin
    align = (u * v).sum(dim=1)

    def one_direction(rows, columns, mask):
        sim = rows @ columns.T
        sim = torch.where(torch.eye(n, dtype=torch.bool), torch.diag_embed(align), sim)
        target = sim - ratio * align[:, None]
        if power is None:
            logits = (sim.detach() - big) / temperature
            weight = torch.exp(logits - torch.logsumexp(logits, dim=1, keepdim=True))
        else:
            raw = torch.ones_like(sim) if power == 0 else sim.detach().clamp(min=1e-4) ** power
            raw = raw * off_diagonal
            weight = raw / raw.sum(dim=1, keepdim=True)
        return (weight * target)[mask].mean()

    return one_direction(u, v.detach(), mask_rows) + one_direction(v, u.detach(), mask_cols)


def views(seed, n=6, d=5, noise=0.8):
    g = torch.Generator().manual_seed(seed)
    anchor = torch.randn(n, d, generator=g, dtype=torch.float64) * 2
    return anchor, anchor + noise * torch.randn(n, d, generator=g, dtype=torch.float64)


SETTINGS = [
    {"margin": 0.30, "ratio": 1.0, "temperature": 0.05},
    {"margin": 0.30, "ratio": 1.5, "temperature": 0.5},
    {"margin": 2.0, "ratio": 2.0, "temperature": 0.1},
    {"margin": 0.5, "ratio": 1.0, "power": 2},
    {"margin": 0.5, "ratio": 1.25, "power": 0},
]


@pytest.mark.parametrize("settings", SETTINGS)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_compat_value_and_gradients_equal_the_authors_formula(settings, seed):
    anchor, positive = views(seed)
    a0, p0 = anchor.clone().requires_grad_(True), positive.clone().requires_grad_(True)
    expected = authors_sg(a0, p0, **settings)
    want = torch.autograd.grad(expected, (a0, p0))
    a1, p1 = anchor.clone().requires_grad_(True), positive.clone().requires_grad_(True)
    loss = LOSSES["sg_surrogate"](authors_compat=True, **settings)
    got = loss(a1, p1)
    assert math.isfinite(expected.item())
    assert got.item() == pytest.approx(expected.item(), rel=1e-12, abs=1e-14)
    for mine, theirs in zip(torch.autograd.grad(got, (a1, p1)), want, strict=True):
        torch.testing.assert_close(mine, theirs, rtol=1e-10, atol=1e-13)


def test_some_case_masks_only_part_of_the_batch():
    """The cases above include partly masked batches (else the mean over entries is moot)."""
    shares = []
    for seed in range(4):
        anchor, positive = views(seed)
        loss = LOSSES["sg_surrogate"](margin=0.30)
        loss(anchor, positive)
        shares.append(float(loss.last_parts["active_share"]))
    assert any(0 < share < 1 for share in shares)


def test_an_empty_mask_is_zero_where_the_authors_get_nan():
    anchor, positive = views(0, noise=1e-3)  # positives far closer than any negative
    settings = {"margin": 0.0, "ratio": 1.0, "temperature": 0.05}
    assert math.isnan(authors_sg(anchor, positive, **settings).item())
    x = anchor.clone().requires_grad_(True)
    value = LOSSES["sg_surrogate"](authors_compat=True, **settings)(x, positive)
    assert value.item() == 0.0
    (grad,) = torch.autograd.grad(value, x)
    assert torch.equal(grad, torch.zeros_like(grad))


def test_compat_changes_only_what_the_authors_do_differently():
    """Paper form: the average of both directions over all B anchors, other view detached."""
    anchor, positive = views(5)
    paper = LOSSES["sg_surrogate"](margin=2.0, ratio=1.5)(anchor, positive)
    compat = LOSSES["sg_surrogate"](margin=2.0, ratio=1.5, authors_compat=True)(anchor, positive)
    # every row masked (m = 2): compat = Σ_dir (1/(B·B)) Σ_ij, paper = ½ Σ_dir (1/B) Σ_ij
    assert compat.item() == pytest.approx(2 / 6 * paper.item(), rel=1e-12)


def test_compat_refuses_a_power_the_authors_would_truncate():
    with pytest.raises(CselabError, match="power must be an integer"):
        LOSSES["sg_surrogate"](power=1.5, authors_compat=True)
    anchor, positive = views(0)
    with pytest.raises(CselabError, match="power must be an integer"):
        sg_surrogate_loss(anchor, positive, torch.arange(6), power=0.5, authors_compat=True)
    LOSSES["sg_surrogate"](power=2.0, authors_compat=True)  # an integral float is accepted


class TwoRanks:
    """A single-process stand-in for the gather of rank ``rank`` of two: this rank's rows
    (with gradients) in their slot, the other rank's rows beside them."""

    def __init__(self, rank: int, whole: list[torch.Tensor]):
        self.rank, self.whole = rank, whole

    def __call__(self, local: torch.Tensor) -> torch.Tensor:
        mine = slice(self.rank * 3, self.rank * 3 + 3)
        column = next(w for w in self.whole if torch.equal(w[mine], local))
        other = column[(1 - self.rank) * 3 : (2 - self.rank) * 3].detach()
        return torch.cat([local, other] if self.rank == 0 else [other, local])


def test_compat_under_two_processes_is_the_whole_batch_value():
    """The compat mean runs over masked rows, so each process computes the whole batch; the
    candidate form (each process its own anchors) would give another value when the
    processes mask different numbers of rows."""
    anchor, positive = views(2, noise=0.6)
    settings = {"margin": 0.30, "ratio": 1.0, "temperature": 0.05}
    loss = LOSSES["sg_surrogate"](authors_compat=True, **settings)
    whole = loss(anchor, positive)
    forward_mask = surrogate_mask(cosine(anchor, positive), torch.arange(6), 0.30)
    assert int(forward_mask[:3].sum()) != int(forward_mask[3:].sum())  # a discriminating batch
    ranks = [
        loss.gathered(anchor[r * 3 : r * 3 + 3], positive[r * 3 : r * 3 + 3],
                      gather=TwoRanks(r, [anchor, positive]))
        for r in range(2)
    ]  # fmt: skip
    assert all(v.item() == pytest.approx(whole.item(), rel=1e-12) for v in ranks)
    own_anchors = [
        CandidateLoss.gathered_loss_and_parts(
            loss, anchor[r * 3 : r * 3 + 3], positive[r * 3 : r * 3 + 3], None,
            TwoRanks(r, [anchor, positive]),
        )[0]
        for r in range(2)
    ]  # fmt: skip
    assert sum(v.item() for v in own_anchors) / 2 != pytest.approx(whole.item(), rel=1e-6)
    paper = LOSSES["sg_surrogate"](**settings)  # a mean over anchors: its own anchors suffice
    paper_ranks = [
        paper.gathered(anchor[r * 3 : r * 3 + 3], positive[r * 3 : r * 3 + 3],
                       gather=TwoRanks(r, [anchor, positive]))
        for r in range(2)
    ]  # fmt: skip
    mean = sum(v.item() for v in paper_ranks) / 2
    assert mean == pytest.approx(paper(anchor, positive).item(), rel=1e-12)
