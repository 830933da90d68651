"""Informativity (r² before/after removing top-k dimensions) vs brute force."""

from __future__ import annotations

import brute_force as bf
import pytest
import torch
from token_data import batches, metric, random_tokens, stream, tiny_bert_tokens

from cselab.errors import CselabError
from cselab.geometry.informativity import informativity
from cselab.geometry.validation import MetricUndefined

KS = (0, 1, 2, 3, 5, 7, 8, 20)


def test_streaming_sample_equals_twin_and_brute_force(tiny_model) -> None:
    for x, ids, sids in (random_tokens(seed=10, shift=0.8), tiny_bert_tokens(tiny_model)):
        rows = bf.sampled_tokens(sids, 30, seed=2)
        ref = bf.informativity(x[rows], KS)
        got = stream(
            metric("informativity", sample_size=30, informativity_ks=KS, seed=2),
            batches(x, ids, sids),
        )
        assert got == pytest.approx(ref, abs=1e-8)
        assert informativity(x[rows], KS) == pytest.approx(ref, abs=1e-8)
        assert got["informativity_r2_k0"] == pytest.approx(1.0)  # removing nothing


def test_given_dimension_scores_set_the_ranking() -> None:
    x, ids, sids = random_tokens(seed=13, n_sentences=20, shift=0.5)
    scores = torch.linspace(0, 1, 8, dtype=torch.float64)[torch.randperm(8)]  # distinct
    ref = bf.informativity(x, (1, 2, 3, 5), scores.numpy())
    assert ref != pytest.approx(bf.informativity(x, (1, 2, 3, 5)), abs=1e-3)  # order matters
    assert informativity(x, (1, 2, 3, 5), scores) == pytest.approx(ref, abs=1e-8)
    # the pipeline's own ranking (self-similarity shares) is tested in test_pipeline.py
    with pytest.raises(CselabError, match=r"dimension_scores of shape \(3,\) for vectors of dim"):
        informativity(x, (1,), scores[:3])


def test_keys_only_for_k_below_d_and_exact_sample() -> None:
    x, ids, sids = random_tokens(seed=11)  # d = 8, fewer than 1000 tokens: all are used
    got = stream(metric("informativity"), batches(x, ids, sids))
    assert sorted(got) == sorted(f"informativity_r2_k{k}" for k in (1, 2, 3, 5))
    assert got == pytest.approx(bf.informativity(x, (1, 2, 3, 5)), abs=1e-8)


def test_seeds_reproduce_and_differ() -> None:
    x, ids, sids = random_tokens(seed=12, n_sentences=30)
    runs = [
        stream(metric("informativity", sample_size=20, seed=s), batches(x, ids, sids))
        for s in (1, 1, 2)
    ]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_bad_input() -> None:
    with pytest.raises(CselabError, match="informativity: no tokens"):
        metric("informativity").compute()
    with pytest.raises(CselabError, match=r"ks=\(-1,\) must be integers >= 0"):
        informativity(torch.randn(5, 4), ks=(-1,))
    axis = torch.tensor([[1.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.5, 0.1, 0.0]])
    with pytest.raises(CselabError, match="removing the top 1 dimensions leaves a zero vector"):
        informativity(axis, ks=(1,))


def test_float32_products_agree_with_float64_on_anisotropic_vectors() -> None:
    """Vectors around one dominant direction (mean cosine ≈ 0.99): the float32 path keeps
    r² within 1e-4 of the float64 one (b is shifted by its mean before it is squared)."""
    generator = torch.Generator().manual_seed(4)
    x = torch.randn(300, 64, generator=generator, dtype=torch.float64) * 0.05 + 1.0
    exact = informativity(x, KS)
    single = informativity(x.float(), KS, precision=torch.float32)
    assert exact == pytest.approx(bf.informativity(x, KS), abs=1e-8)
    assert single == pytest.approx(exact, abs=1e-4)


def test_repeated_vectors_are_undefined_not_a_division_by_zero() -> None:
    row = torch.randn(1, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    with pytest.raises(MetricUndefined, match="same cosine"):
        informativity(row.repeat(6, 1), ks=(1, 2))
