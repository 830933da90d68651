"""Running scatter: batch merges (Chan et al.), float32 products, all layers at once."""

from __future__ import annotations

import torch
from token_data import random_tokens

from cselab.geometry.batch import ViewBatch
from cselab.geometry.statistics.scatter import Scatter


def brute_scatter(x: torch.Tensor) -> torch.Tensor:
    centred = x.double() - x.double().mean(0)
    return sum(torch.outer(row, row) for row in centred)


def view(x: torch.Tensor, ids: torch.Tensor, sids: torch.Tensor) -> ViewBatch:
    return ViewBatch(x, ids, sids)


def test_streamed_scatter_equals_the_brute_force_sum_of_outer_products_per_layer() -> None:
    x, ids, sids = random_tokens(seed=4, n_sentences=20, d=5, shift=30.0)  # large mean
    layers = torch.stack([x, 2 * x + 1, -x])  # (3, n, d)
    scatter = Scatter()
    for a, b in ((0, 7), (7, 30), (30, len(x))):
        scatter.update(view(layers[:, a:b], ids[a:b], sids[a:b]))
    for layer in range(3):
        got = scatter.at(layer)
        torch.testing.assert_close(got.scatter, brute_scatter(layers[layer]), atol=1e-8, rtol=1e-12)
        torch.testing.assert_close(got.mean, layers[layer].mean(0))
        assert got.n == len(x)


def test_float32_batches_use_float32_products_summed_in_float64() -> None:
    x, ids, sids = random_tokens(seed=5, n_sentences=15, d=6)
    scatter = Scatter()
    scatter.update(view(x.float()[None], ids, sids))
    assert scatter.scatter is not None and scatter.scatter.dtype == torch.float64
    torch.testing.assert_close(
        scatter.at(0).scatter, brute_scatter(x.float()), atol=1e-4, rtol=1e-5
    )


def test_merged_halves_and_a_saved_state_equal_the_whole() -> None:
    x, ids, sids = random_tokens(seed=6, n_sentences=25, d=7, shift=10.0)
    whole, first, second = Scatter(), Scatter(), Scatter()
    whole.update(view(x[None], ids, sids))
    first.update(view(x[None, :40], ids[:40], sids[:40]))
    second.update(view(x[None, 40:], ids[40:], sids[40:]))
    restored = Scatter()
    restored.load_state_dict(first.state_dict())
    restored.merge(second)
    torch.testing.assert_close(restored.at(0).scatter, whole.at(0).scatter, atol=1e-9, rtol=1e-12)
    torch.testing.assert_close(restored.at(0).eigenvalues, whole.at(0).eigenvalues)


def test_many_small_batches_wait_fold_in_blocks_and_equal_the_brute_force() -> None:
    x, ids, sids = random_tokens(seed=7, n_sentences=40, d=6, shift=25.0)  # large mean
    layers = torch.stack([x, x.flip(1) - 3]).float()  # float32: block sums in float32
    scatter = Scatter(block_batches=3, min_rows=10)  # batches of 4-20 rows: waits, 3-part blocks
    starts = torch.nonzero(torch.diff(sids, prepend=sids[:1] - 1)).flatten().tolist()
    bounds = [*starts[::2], len(x)]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        scatter.update(view(layers[:, a:b], ids[a:b], sids[a:b]))
    assert scatter.n == len(x)
    for layer in range(2):
        want = brute_scatter(layers[layer].double())
        torch.testing.assert_close(scatter.at(layer).scatter, want, atol=1e-3, rtol=1e-5)
        torch.testing.assert_close(scatter.at(layer).mean, layers[layer].double().mean(0))


def test_a_state_saved_mid_block_resumes_bit_for_bit() -> None:
    x, ids, sids = random_tokens(seed=8, n_sentences=30, d=5, shift=5.0)
    starts = torch.nonzero(torch.diff(sids, prepend=sids[:1] - 1)).flatten().tolist()
    bounds = [*starts[::3], len(x)]  # batches of 3 sentences
    pieces = list(zip(bounds[:-1], bounds[1:], strict=True))

    whole = Scatter(block_batches=2, min_rows=12)
    for a, b in pieces:
        whole.update(view(x.float()[None, a:b], ids[a:b], sids[a:b]))
    for cut in range(1, len(pieces)):
        saved = Scatter(block_batches=2, min_rows=12)
        for a, b in pieces[:cut]:
            saved.update(view(x.float()[None, a:b], ids[a:b], sids[a:b]))
        state = saved.state_dict()  # rows waiting and a half-full block are saved as they are
        resumed = Scatter(block_batches=2, min_rows=12)
        resumed.load_state_dict(state)
        for a, b in pieces[cut:]:
            resumed.update(view(x.float()[None, a:b], ids[a:b], sids[a:b]))
        assert torch.equal(resumed.at(0).scatter, whole.at(0).scatter), cut
        assert torch.equal(resumed.at(0).mean, whole.at(0).mean), cut


def test_batches_of_another_precision_fold_the_block_and_start_a_new_one() -> None:
    x, ids, sids = random_tokens(seed=9, n_sentences=12, d=4, shift=3.0)
    scatter = Scatter(block_batches=4, min_rows=1)
    scatter.update(view(x[None, :20], ids[:20], sids[:20]))  # float64
    scatter.update(view(x.float()[None, 20:], ids[20:], sids[20:]))  # float32
    torch.testing.assert_close(scatter.at(0).scatter, brute_scatter(x), atol=1e-4, rtol=1e-5)
    assert scatter.precision == torch.float32
