"""Self-similarity per token type and its dimension shares vs brute force."""

from __future__ import annotations

import brute_force as bf
import numpy as np
import pytest
import torch
from token_data import batches, metric, random_tokens, stream, tiny_bert_tokens

from cselab.errors import CselabError
from cselab.geometry.self_similarity import (
    dimension_shares,
    first_occurrences,
    per_token,
    self_similarity,
)
from cselab.models.token_batch import TokenBatch


def check_against_brute_force(x, ids, sids, min_count, first, cuts=(1, 4, 5)) -> None:
    streamed = metric(
        "self_similarity", self_similarity_min_count=min_count, first_occurrence_only=first
    )
    got = stream(streamed, batches(x, ids, sids, cuts))
    ref = bf.self_similarity_per_type(x, ids, sids, min_count, first)
    tokens = per_token(streamed.values(), streamed.plan.protocol)
    assert tokens.keys() == ref.keys()
    for t, (count, value, _) in ref.items():
        assert tokens[t][0] == count
        assert tokens[t][1] == pytest.approx(value, abs=1e-10)
    mean = sum(v for _, v, _ in ref.values()) / len(ref)
    assert got["self_similarity"] == pytest.approx(mean, abs=1e-10)
    assert got["self_similarity_types"] == len(ref)
    shares = bf.self_similarity_shares(x, ref)
    contributions = dimension_shares(streamed.values()["type_sums"], streamed.plan.protocol)
    np.testing.assert_allclose(contributions.numpy(), shares, atol=1e-10)
    summary = bf.top_share_summary(shares)
    for key, value in summary.items():
        assert got[f"self_similarity_{key}"] == pytest.approx(value, abs=1e-10)
    twin = self_similarity(x, ids, sids, min_count=min_count, first_occurrence_only=first)
    assert twin == pytest.approx(got, abs=1e-12)


@pytest.mark.parametrize("first", [False, True])
@pytest.mark.parametrize("min_count", [1, 5])
def test_random_data(first, min_count) -> None:
    x, ids, sids = random_tokens(seed=4)
    check_against_brute_force(x, ids, sids, min_count, first)


@pytest.mark.parametrize("first", [False, True])
def test_types_over_many_storage_blocks(first, monkeypatch) -> None:
    """Blocks of 3 types (instead of 1,024): new types arrive in every batch and land in
    new blocks while old ones are added to."""
    monkeypatch.setattr("cselab.geometry.statistics.type_sums.BLOCK_TYPES", 3)
    x, ids, sids = random_tokens(seed=9, n_sentences=30, vocab=17)
    check_against_brute_force(x, ids, sids, 2, first, cuts=(3, 8, 9, 15, 22))


def test_token_ids_of_any_size_cost_memory_by_the_types_seen() -> None:
    x, ids, sids = random_tokens(seed=11, n_sentences=20, vocab=9)
    check_against_brute_force(x, ids * 10**12 + 3, sids, 2, False)  # ids near 10^13


def test_type_sums_saved_and_merged_across_blocks(monkeypatch) -> None:
    monkeypatch.setattr("cselab.geometry.statistics.type_sums.BLOCK_TYPES", 4)
    x, ids, sids = random_tokens(seed=10, n_sentences=24, vocab=15)
    parts = batches(x, ids, sids, (5, 11, 17))
    whole, first, second = (metric("self_similarity", self_similarity_min_count=1)
                            for _ in range(3))  # fmt: skip
    for part in parts:
        whole.update(part)
    for part in parts[:2]:
        first.update(part)
    for part in parts[2:]:
        second.update(part)
    restored = metric("self_similarity", self_similarity_min_count=1)
    restored.stream.load_state_dict(first.stream.state_dict())
    restored.stream.merge(second.stream)
    want, got = whole.values()["type_sums"], restored.values()["type_sums"]
    assert torch.equal(got.type_ids, want.type_ids) and torch.equal(got.seen, want.seen)
    assert torch.equal(got.used, want.used)
    torch.testing.assert_close(got.sums, want.sums, atol=1e-12, rtol=1e-12)
    assert restored.compute() == pytest.approx(whole.compute(), abs=1e-12)


def test_tiny_bert_vectors(tiny_model) -> None:
    x, ids, sids = tiny_bert_tokens(tiny_model)
    check_against_brute_force(x, ids, sids, 3, first=True, cuts=(2, 3))
    check_against_brute_force(x, ids, sids, 5, first=False, cuts=(2, 3))


def test_first_occurrence_counts_every_occurrence_for_min_count() -> None:
    # token 7 occurs 3 times in sentence 0 and once in sentence 1: 4 seen, 2 used
    ids = torch.tensor([7, 7, 1, 7, 7])
    sids = torch.tensor([0, 0, 0, 0, 1])
    assert first_occurrences(ids, sids).tolist() == [True, False, True, False, True]
    x = torch.randn(5, 3, dtype=torch.float64)
    streamed = metric("self_similarity", self_similarity_min_count=4, first_occurrence_only=True)
    streamed.update(TokenBatch(x, ids, sids, ids))
    ((count, value),) = per_token(streamed.values(), streamed.plan.protocol).values()
    assert count == 4
    assert value == pytest.approx(bf.cos(x[0], x[4]))


def test_known_cases_and_reset() -> None:
    ids = torch.tensor([3] * 5 + [4] * 5)
    sids = torch.arange(10)
    same = torch.tensor([[1.0, 2.0, 0.5]]).repeat(5, 1) * torch.arange(1, 6)[:, None]
    orthogonal = torch.eye(5)
    x = torch.cat([torch.nn.functional.pad(same, (0, 2)), orthogonal])
    streamed = metric("self_similarity")
    streamed.update(TokenBatch(x, ids, sids, sids))
    tokens = per_token(streamed.values(), streamed.plan.protocol)
    assert tokens[3] == (5, pytest.approx(1.0))
    assert tokens[4] == (5, pytest.approx(0.0))
    streamed.reset()
    with pytest.raises(CselabError, match="self_similarity: no tokens"):
        streamed.compute()


def test_bad_input() -> None:
    x, ids, sids = random_tokens()
    with pytest.raises(CselabError, match=r"self_similarity: no token type has >= 100"):
        self_similarity(x, ids, sids, min_count=100)
    bad = x.clone()
    bad[0, 0] = float("inf")
    with pytest.raises(CselabError, match="self_similarity: embeddings .* contain NaN or inf"):
        self_similarity(bad, ids, sids)
    with pytest.raises(CselabError, match="dimension_aggregation='sum'"):
        metric("self_similarity", dimension_aggregation="sum")
    with pytest.raises(CselabError, match=r"token_ids of shape \(3,\) does not match"):
        self_similarity(x, ids[:3], sids)
