"""IsoScore vs the published algorithm step by step, and its known cases."""

from __future__ import annotations

import brute_force as bf
import pytest
import torch
from token_data import batches, metric, random_tokens, stream, tiny_bert_tokens

from cselab.errors import CselabError
from cselab.geometry.isoscore import isoscore


def test_random_and_tiny_bert(tiny_model) -> None:
    for x, ids, sids in (random_tokens(seed=13, shift=5.0), tiny_bert_tokens(tiny_model)):
        ref = bf.isoscore(x)
        got = stream(metric("isoscore"), batches(x, ids, sids))
        assert got["isoscore"] == pytest.approx(ref, abs=1e-8)
        assert isoscore(x) == pytest.approx(ref, abs=1e-8)


def test_fewer_points_than_dimensions() -> None:
    x = torch.randn(5, 12, dtype=torch.float64)
    assert isoscore(x) == pytest.approx(bf.isoscore(x), abs=1e-10)


def test_known_cases() -> None:
    g = torch.Generator().manual_seed(0)
    gaussian = torch.randn(20000, 10, generator=g, dtype=torch.float64)
    assert isoscore(gaussian) == pytest.approx(1.0, abs=0.01)
    line = torch.randn(500, 1, generator=g, dtype=torch.float64) * torch.randn(1, 10, generator=g)
    assert isoscore(line) == pytest.approx(0.0, abs=1e-6)
    # scale and rotation invariance
    q, _ = torch.linalg.qr(torch.randn(10, 10, generator=g, dtype=torch.float64))
    sample = gaussian[:300] * torch.linspace(0.1, 3, 10, dtype=torch.float64)
    assert isoscore(7 * sample @ q) == pytest.approx(isoscore(sample), abs=1e-10)


def test_reset_and_bad_input() -> None:
    streamed = metric("isoscore")
    x, ids, sids = random_tokens()
    stream(streamed, batches(x, ids, sids))
    streamed.reset()
    with pytest.raises(CselabError, match="isoscore: no tokens"):
        streamed.compute()
    with pytest.raises(CselabError, match="isoscore: all points are identical"):
        isoscore(torch.ones(4, 3))
    with pytest.raises(CselabError, match="isoscore: embeddings .* NaN"):
        isoscore(torch.tensor([[float("nan"), 1.0], [1.0, 1.0]]))
