"""Singular spectrum, effective rank and partition isotropy vs numpy references."""

from __future__ import annotations

import brute_force as bf
import numpy as np
import pytest
import torch
from token_data import batches, metric, random_tokens, stream, tiny_bert_tokens

from cselab.errors import CselabError
from cselab.geometry.spectrum import partition_isotropy, singular_spectrum, spectrum_summary


def singular_values(streamed) -> torch.Tensor:
    """(d,) singular values of the centred token matrix, from the stream's scatter."""
    return streamed.values()["scatter"].eigenvalues.sqrt()


def test_random_and_tiny_bert(tiny_model) -> None:
    for x, ids, sids in (random_tokens(seed=14, shift=50.0), tiny_bert_tokens(tiny_model)):
        streamed = metric("spectrum", sample_size=25, seed=4)
        got = stream(streamed, batches(x, ids, sids))
        sv = bf.singular_values(x)
        # atol 1e-6: the tiny BERT's tokens have a null direction (LayerNorm) whose singular
        # value, ~5e-7, is float32 round-off of the model; its eigenvalue (~2e-13) is below
        # the scatter's resolution 4·ε·λ_max, so it is set to 0 (the SVD keeps it)
        np.testing.assert_allclose(singular_values(streamed).numpy(), sv, atol=1e-6)
        np.testing.assert_allclose(singular_spectrum(x).numpy(), sv, atol=1e-6)
        assert got["effective_rank"] == pytest.approx(bf.effective_rank(x), rel=1e-7)
        assert got["top1_variance_share"] == pytest.approx(sv[0] ** 2 / (sv**2).sum(), abs=1e-10)
        sample = x[bf.sampled_tokens(sids, 25, seed=4)]
        ref = bf.partition_isotropy(sample)
        assert got["partition_isotropy"] == pytest.approx(ref, abs=1e-10)
        assert partition_isotropy(sample) == pytest.approx(ref, abs=1e-10)
        cov = bf.partition_isotropy(sample, covariance=True)
        assert partition_isotropy(sample, "covariance") == pytest.approx(cov, abs=1e-10)


def test_fewer_points_than_dimensions_batching_does_not_matter() -> None:
    """10 points in 32 dimensions span at most 9: the effective rank is the SVD's, whatever
    the batches (round-off eigenvalues of the null space used to inflate it)."""
    x = torch.randn(10, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    x = x.float()  # float32 rows, as a model gives them
    sids = torch.arange(10)
    reference = bf.effective_rank(x.double())
    for cuts in ((), (1, 2, 3, 4, 5, 6, 7, 8, 9), (3, 7)):
        streamed = metric("spectrum", sample_size=5, seed=0)
        got = stream(streamed, batches(x, sids, sids, cuts_at_sentences=cuts))
        assert got["effective_rank"] == pytest.approx(reference, rel=1e-6)
        assert int((singular_values(streamed) > 0).sum()) == 9


def test_float32_rows_keep_every_direction_they_resolve() -> None:
    """A spectrum decaying over three decades (σ_min = 1e-3 σ_max): float32 rows, streamed
    in batches, give the float64 SVD's effective rank (a floor of d·ε·λ_max dropped the
    directions below 0.7 % of σ_max: 24.35 instead of 24.63)."""
    g = torch.Generator().manual_seed(0)
    scales = torch.logspace(0, -3, 64, dtype=torch.float64)
    x = (torch.randn(2000, 64, generator=g, dtype=torch.float64) * scales).float()
    sids = torch.arange(2000)
    streamed = metric("spectrum", sample_size=5, seed=0)
    got = stream(streamed, batches(x, sids, sids, cuts_at_sentences=(300, 900, 1500)))
    assert got["effective_rank"] == pytest.approx(bf.effective_rank(x.double()), rel=1e-5)
    assert int((singular_values(streamed) > 0).sum()) == 64


def test_known_cases() -> None:
    g = torch.Generator().manual_seed(1)
    gaussian = torch.randn(20000, 6, generator=g, dtype=torch.float64)
    summary = spectrum_summary(singular_spectrum(gaussian))
    assert summary["effective_rank"] == pytest.approx(6, abs=0.05)
    assert summary["top1_variance_share"] == pytest.approx(1 / 6, abs=0.02)
    assert partition_isotropy(gaussian[:2000] * 0.1) == pytest.approx(1.0, abs=0.02)
    line = torch.randn(100, 1, generator=g, dtype=torch.float64) * torch.randn(1, 6, generator=g)
    assert spectrum_summary(singular_spectrum(line))["effective_rank"] == pytest.approx(1, abs=1e-6)
    shifted = gaussian[:2000] + torch.tensor([20.0, 0, 0, 0, 0, 0], dtype=torch.float64)
    assert partition_isotropy(shifted) < 1e-6  # one dominant common direction


def test_reset_and_bad_input() -> None:
    with pytest.raises(CselabError, match="spectrum: no tokens"):
        metric("spectrum").compute()
    with pytest.raises(CselabError, match="partition_basis='pca'"):
        metric("spectrum", partition_basis="pca")
    with pytest.raises(CselabError, match="spectrum: all points are identical"):
        spectrum_summary(singular_spectrum(torch.ones(3, 2)))
