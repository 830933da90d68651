"""Dimension contributions and the shared top-k / dims-for-p% summary."""

from __future__ import annotations

import brute_force as bf
import numpy as np
import pytest
import torch
from token_data import batches, metric, random_tokens, stream, tiny_bert_tokens

from cselab.errors import CselabError
from cselab.geometry.dimensions import contributions_of, dimension_contributions, share_summary


def test_random_and_tiny_bert(tiny_model) -> None:
    for x, ids, sids in (random_tokens(seed=8, shift=1.0), tiny_bert_tokens(tiny_model)):
        ref = bf.dimension_contributions(x)
        streamed = metric("dimensions")
        got = stream(streamed, batches(x, ids, sids))
        contributions = contributions_of(streamed.values()["moments"])
        np.testing.assert_allclose(contributions.numpy(), ref, atol=1e-10)
        np.testing.assert_allclose(dimension_contributions(x).numpy(), ref, atol=1e-10)
        assert float(contributions.sum()) == pytest.approx(bf.mean_pairwise_cosine(x))
        assert got == pytest.approx(bf.top_share_summary(ref), abs=1e-10)


def test_include_diagonal_averages_all_pairs() -> None:
    x, _, _ = random_tokens(seed=9, n_sentences=4)
    units = x / x.norm(dim=1, keepdim=True)
    ref = torch.stack([torch.outer(units[:, i], units[:, i]).mean() for i in range(x.shape[1])])
    got = dimension_contributions(x, include_diagonal=True)
    torch.testing.assert_close(got, ref, atol=1e-12, rtol=0)


def test_one_dominant_dimension() -> None:
    g = torch.Generator().manual_seed(0)
    x = 0.01 * torch.randn(200, 16, generator=g, dtype=torch.float64)
    x[:, 5] += 10.0
    got = metric("dimensions")
    got.update(batches(x, torch.zeros(200, dtype=torch.long), torch.arange(200), ())[0])
    values = got.compute()
    assert values["top1_share"] == pytest.approx(1.0, abs=1e-3)
    assert values["dims_for_50pct"] == 1
    assert int(contributions_of(got.values()["moments"]).argmax()) == 5


def test_share_summary_by_hand() -> None:
    summary = share_summary(torch.tensor([1.0, 5.0, 2.0, 2.0]))
    assert summary["top1_share"] == pytest.approx(0.5)
    assert summary["top2_share"] == pytest.approx(0.7)
    assert summary["top3_share"] == pytest.approx(0.9)
    assert (summary["dims_for_10pct"], summary["dims_for_50pct"]) == (1, 1)
    assert share_summary(torch.tensor([1.0, 1.0]), prefix="p_")["p_top3_share"] == 1.0
    with pytest.warns(UserWarning, match="shares undefined"):
        assert np.isnan(share_summary(torch.tensor([0.5, -0.5]))["top1_share"])


def test_reset_and_bad_input() -> None:
    with pytest.raises(CselabError, match="dimensions: no tokens"):
        metric("dimensions").compute()
    with pytest.raises(CselabError, match="dimensions: needs at least 2 tokens, got 1"):
        dimension_contributions(torch.ones(1, 3))
    with pytest.raises(CselabError, match="dimensions: embeddings .* NaN"):
        dimension_contributions(torch.tensor([[float("nan"), 1.0], [1.0, 1.0]]))
