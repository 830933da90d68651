"""Anisotropy: streaming == twin == brute force; the paper's sampled baseline."""

from __future__ import annotations

import brute_force as bf
import pytest
import torch
from token_data import batches, metric, random_tokens, stream, tiny_bert_tokens

from cselab.errors import CselabError
from cselab.geometry.anisotropy import anisotropy_all_pairs, anisotropy_sampled
from cselab.models.token_batch import TokenBatch


@pytest.mark.parametrize("n_sentences", [5, 1000])
def test_random_data_streaming_equals_twin_and_brute_force(n_sentences) -> None:
    x, ids, sids = random_tokens()
    got = stream(
        metric("anisotropy", anisotropy_sample_sentences=n_sentences, seed=3), batches(x, ids, sids)
    )
    exact = bf.mean_pairwise_cosine(x)
    sampled = bf.anisotropy_sampled(x, sids, n_sentences, 3)
    assert got["anisotropy"] == pytest.approx(exact, abs=1e-10)
    assert anisotropy_all_pairs(x) == pytest.approx(exact, abs=1e-10)
    assert got["anisotropy_sampled"] == pytest.approx(sampled, abs=1e-10)
    assert anisotropy_sampled(x, sids, n_sentences, 3) == pytest.approx(sampled, abs=1e-10)


def test_tiny_bert_vectors(tiny_model) -> None:
    x, ids, sids = tiny_bert_tokens(tiny_model)
    got = stream(metric("anisotropy", anisotropy_sample_sentences=6), batches(x, ids, sids))
    assert got["anisotropy"] == pytest.approx(bf.mean_pairwise_cosine(x), abs=1e-8)
    assert got["anisotropy_sampled"] == pytest.approx(
        bf.anisotropy_sampled(x, sids, 6, 0), abs=1e-8
    )
    # float32 input gives the same value to float32 precision (accumulation is float64)
    assert anisotropy_all_pairs(x.float()) == pytest.approx(got["anisotropy"], abs=1e-6)


def test_batch_by_batch_equals_one_shot_and_reset() -> None:
    x, ids, sids = random_tokens(seed=1)
    streamed = metric("anisotropy", anisotropy_sample_sentences=4)
    one_shot = stream(streamed, batches(x, ids, sids, cuts_at_sentences=()))
    many = stream(streamed, batches(x, ids, sids, cuts_at_sentences=tuple(range(1, 12))))
    assert many == pytest.approx(one_shot, abs=1e-12)
    streamed.reset()
    with pytest.raises(CselabError, match="anisotropy: no tokens"):
        streamed.compute()


def test_known_cases() -> None:
    same = torch.ones(6, 4, dtype=torch.float64) * torch.tensor([1.0, 2.0, 3.0, 4.0])
    assert anisotropy_all_pairs(same * torch.arange(1, 7)[:, None]) == pytest.approx(1.0)
    assert anisotropy_all_pairs(torch.eye(5, dtype=torch.float64)) == pytest.approx(0.0)
    opposite = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    assert anisotropy_all_pairs(opposite) == pytest.approx(-1.0)


def test_seeds_reproduce_and_differ() -> None:
    x, ids, sids = random_tokens(seed=2, n_sentences=40)
    values = [
        stream(metric("anisotropy", anisotropy_sample_sentences=10, seed=s), batches(x, ids, sids))
        for s in (0, 0, 1)
    ]
    assert values[0]["anisotropy_sampled"] == values[1]["anisotropy_sampled"]
    assert values[0]["anisotropy_sampled"] != values[2]["anisotropy_sampled"]
    assert values[0]["anisotropy"] == values[2]["anisotropy"]


def test_bad_input_names_the_metric() -> None:
    x, ids, sids = random_tokens()
    bad = x.clone()
    bad[3, 1] = float("nan")
    with pytest.raises(
        CselabError, match=r"anisotropy: embeddings of shape \(\d+, 8\) contain NaN"
    ):
        metric("anisotropy").update(TokenBatch(bad, ids, sids, ids))
    with pytest.raises(CselabError, match="anisotropy: no tokens"):
        anisotropy_all_pairs(torch.empty(0, 8))
    with pytest.raises(CselabError, match="anisotropy: 1 zero vector"):
        anisotropy_all_pairs(torch.cat([x[:3], torch.zeros(1, 8, dtype=x.dtype)]))
    streamed = metric("anisotropy")
    parts = batches(x, ids, sids)
    streamed.update(parts[0])
    with pytest.raises(CselabError, match="split across batches"):
        streamed.update(parts[0])
    with pytest.raises(CselabError, match=r"shape \(\d+, 3\) after batches of dimension 8"):
        streamed.update(TokenBatch(x[:, :3], ids, sids + 1000, ids))
    one_sentence = torch.zeros(len(x), dtype=torch.long)
    with pytest.raises(CselabError, match="needs at least 2 sentences, got 1"):
        anisotropy_sampled(x, one_sentence)


def test_one_sentence_gives_the_exact_value_and_skips_the_sampled_one() -> None:
    import warnings

    from cselab.geometry.analysis import analyze_embeddings

    x, ids, _ = random_tokens(seed=3)
    one = torch.zeros(len(x), dtype=torch.long)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = analyze_embeddings(token_vectors=x, token_ids=ids, sentence_ids=one,
                                    metrics=["anisotropy"])  # fmt: skip
    values = dict(zip(result.table["metric"], result.table["value"], strict=True))
    assert values["anisotropy"] == pytest.approx(bf.mean_pairwise_cosine(x), abs=1e-12)
    assert "anisotropy_sampled" not in values
    assert any("anisotropy_sampled undefined" in str(w.message) for w in caught)
