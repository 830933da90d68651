"""Gradient parts of a batch of embeddings: the loss's own candidates, checked by autograd.

The parts rebuilt into the raw anchors' gradient (:func:`anchor_gradient`) must equal
``torch.autograd`` on the loss module with the candidates held fixed: a wrong candidate
set, order or label would break it.
"""

from __future__ import annotations

import pytest
import torch

from cselab.errors import CselabError
from cselab.gradients.batch_parts import gradient_parts
from cselab.gradients.summaries import gradient_summary
from cselab.gradients.unified import anchor_gradient
from cselab.losses import get_loss
from cselab.losses.candidates import build_candidates

CASES = [
    ("info_nce", {"temperature": 0.1}, False),
    ("info_nce", {"temperature": 0.1}, True),
    ("arccon", {"temperature": 0.1, "margin_degrees": 10.0}, True),
    ("mpt", {"margin": 0.3}, False),
]


@pytest.mark.parametrize(("name", "params", "hard"), CASES)
def test_parts_rebuild_the_autograd_gradient(name, params, hard) -> None:
    g = torch.Generator().manual_seed(3)
    anchor, positive, negative = (torch.randn(6, 5, generator=g, dtype=torch.float64)
                                  for _ in range(3))  # fmt: skip
    negative = negative if hard else None
    loss = get_loss(name, **params)
    x = anchor.clone().requires_grad_(True)
    (expected,) = torch.autograd.grad(loss(x, positive, negative), x)
    parts = gradient_parts(loss, anchor, positive, negative)
    candidates, labels = build_candidates(positive, negative)
    got = anchor_gradient(parts, anchor, candidates, labels)
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-6)


def test_the_other_direction_of_symmetric_info_nce_is_the_swapped_call() -> None:
    g = torch.Generator().manual_seed(4)
    anchor, positive = torch.randn(5, 4, generator=g), torch.randn(5, 4, generator=g)
    summary = gradient_summary("symmetric_info_nce", anchor, positive, temperature=0.1)
    back = gradient_parts("symmetric_info_nce", positive, anchor, temperature=0.1)
    assert summary["dissipation_backward"] == pytest.approx(float(back.dissipation.mean()))


def test_triplet_needs_its_negatives_and_numpy_is_taken() -> None:
    anchor, positive = torch.randn(4, 3), torch.randn(4, 3)
    with pytest.raises(CselabError, match="needs the hard negatives"):
        gradient_parts("triplet", anchor, positive)
    parts = gradient_parts("triplet", anchor.numpy(), positive.numpy(), anchor.numpy() * -1)
    assert parts.weights.shape == (4, 2)
    with pytest.raises(CselabError, match=r"anchor: no embeddings given \(None\)"):
        gradient_parts("info_nce", None, positive)
    with pytest.raises(CselabError, match="positive: expected numbers .* got list"):
        gradient_parts("info_nce", anchor, [["a", "b", "c"]] * 4)
    with pytest.raises(CselabError, match="negative: expected numbers"):
        gradient_parts("triplet", anchor, positive, [[1.0, 2.0], [3.0]])  # ragged
