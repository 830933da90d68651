"""Intra-sentence similarity vs a per-sentence loop."""

from __future__ import annotations

import brute_force as bf
import pytest
import torch
from token_data import batches, metric, random_tokens, stream, tiny_bert_tokens

from cselab.errors import CselabError
from cselab.geometry.intra_sentence import intra_sentence_similarity
from cselab.models.token_batch import TokenBatch


def test_random_and_tiny_bert(tiny_model) -> None:
    for x, ids, sids in (random_tokens(seed=5), tiny_bert_tokens(tiny_model, layer=1)):
        ref = bf.intra_sentence(x, sids)
        got = stream(metric("intra_sentence"), batches(x, ids, sids))
        assert got["intra_sentence_similarity"] == pytest.approx(ref, abs=1e-10)
        assert intra_sentence_similarity(x, sids) == pytest.approx(ref, abs=1e-10)


def test_batch_by_batch_equals_one_shot_and_reset() -> None:
    x, ids, sids = random_tokens(seed=6)
    streamed = metric("intra_sentence")
    one = stream(streamed, batches(x, ids, sids, ()))
    many = stream(streamed, batches(x, ids, sids, tuple(range(1, 12))))
    assert many == pytest.approx(one, abs=1e-12)
    streamed.reset()
    with pytest.raises(CselabError, match="intra_sentence: no tokens"):
        streamed.compute()


def test_known_cases() -> None:
    parallel = torch.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    assert intra_sentence_similarity(parallel, torch.zeros(3, dtype=torch.long)) == pytest.approx(1)
    # two orthogonal unit tokens: each is at 45 degrees from their mean
    assert intra_sentence_similarity(torch.eye(2), torch.zeros(2, dtype=torch.long)) == (
        pytest.approx(2**-0.5)
    )


def test_bad_input() -> None:
    x, ids, _ = random_tokens()
    mixed = torch.tensor([0, 1, 0] + [2] * (len(x) - 3))
    with pytest.raises(CselabError, match="intra_sentence: sentence_ids .* are not contiguous"):
        intra_sentence_similarity(x, mixed)
    opposite = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    with pytest.raises(CselabError, match="sentence mean vector"):
        intra_sentence_similarity(opposite, torch.zeros(2, dtype=torch.long))
    bad = x.clone()
    bad[1] = float("nan")
    with pytest.raises(CselabError, match="intra_sentence: embeddings .* NaN"):
        metric("intra_sentence").update(TokenBatch(bad, ids, ids, ids))
