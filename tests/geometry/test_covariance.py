"""Running covariance: batch merges, the shared (IsoScore + Spectrum) use, float32 products."""

from __future__ import annotations

import torch
from token_data import batches, random_tokens

from cselab.geometry.base import TokenBatch
from cselab.geometry.covariance import RunningCovariance, batch_scatter
from cselab.geometry.isoscore import IsoScore
from cselab.geometry.metric_set import share_covariance
from cselab.geometry.spectrum import Spectrum


def brute_scatter(x: torch.Tensor) -> torch.Tensor:
    centred = x.double() - x.double().mean(0)
    return sum(torch.outer(row, row) for row in centred)


def test_streamed_scatter_equals_the_brute_force_sum_of_outer_products() -> None:
    x, ids, sids = random_tokens(seed=4, n_sentences=20, d=5, shift=30.0)  # large mean
    cov = RunningCovariance()
    for part in batches(x, ids, sids):
        cov.add_batch(part, "test")
    torch.testing.assert_close(cov.scatter, brute_scatter(x), atol=1e-9, rtol=1e-12)
    torch.testing.assert_close(cov.mean, x.mean(0))
    assert cov.n == len(x)


def test_float32_batches_use_float32_products_summed_in_float64() -> None:
    x, ids, sids = random_tokens(seed=5, n_sentences=15, d=6)
    batch = TokenBatch(x.float(), ids, sids, ids)
    mean, scatter = batch_scatter(batch, "test")
    assert scatter.dtype == torch.float64
    torch.testing.assert_close(scatter, brute_scatter(x.float()), atol=1e-4, rtol=1e-5)
    assert batch_scatter(batch, "test")[1] is scatter  # computed once per batch


def test_isoscore_and_spectrum_share_one_covariance_added_once_per_batch() -> None:
    x, ids, sids = random_tokens(seed=6, n_sentences=25, d=7)
    shared = {"isoscore": IsoScore(), "spectrum": Spectrum()}
    share_covariance(shared)  # type: ignore[arg-type]
    assert shared["isoscore"].cov is shared["spectrum"].cov
    alone = {"isoscore": IsoScore(), "spectrum": Spectrum()}
    for part in batches(x, ids, sids):
        for metric in (*shared.values(), *alone.values()):
            metric.update(part)
    assert shared["isoscore"].cov.n == len(x)  # not 2 × len(x)
    for name in shared:
        assert shared[name].compute() == alone[name].compute()
    shared["isoscore"].reset()  # a shared covariance is reset for both
    assert shared["spectrum"].cov.n == 0
