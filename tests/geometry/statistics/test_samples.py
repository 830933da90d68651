"""Bottom-k samples: whatever the batching, the k rows with the smallest keys, in key order."""

from __future__ import annotations

import pytest
import torch

from cselab.geometry.statistics.samples import BottomK


def offered(seed: int, n: int = 300, layers: int = 2, d: int = 3):
    g = torch.Generator().manual_seed(seed)
    keys = torch.rand(n, generator=g, dtype=torch.float64)
    rows = torch.randn(layers, n, d, generator=g)
    return keys, rows


def brute(keys, rows, k):
    order = sorted(range(len(keys)), key=lambda i: float(keys[i]))[:k]
    return keys[order], rows[:, order]


@pytest.mark.parametrize("capacity", [0, 1, 7, 50, 400])
@pytest.mark.parametrize("size", [1, 13, 64])
def test_batches_of_any_size_keep_the_smallest_keys(capacity, size) -> None:
    keys, rows = offered(seed=capacity + size)
    sample = BottomK(capacity)
    for a in range(0, len(keys), size):
        sample.offer(keys[a : a + size], rows[:, a : a + size])
        assert sample._n_pending < max(2 * capacity, 1)  # the buffer stays bounded
    want_keys, want_rows = brute(keys, rows, capacity)
    assert len(sample) == min(capacity, len(keys))
    assert torch.equal(sample.keys, want_keys)
    for layer in range(rows.shape[0]):
        got = sample.layer_rows(layer)
        assert (got is None and capacity == 0) or torch.equal(got, want_rows[layer])


def test_merged_and_restored_samples_equal_one_sample() -> None:
    keys, rows = offered(seed=5)
    whole, first, second = BottomK(20), BottomK(20), BottomK(20)
    whole.offer(keys, rows)
    for a in range(0, 150, 11):
        first.offer(keys[a : min(a + 11, 150)], rows[:, a : min(a + 11, 150)])
    second.offer(keys[150:], rows[:, 150:])
    restored = BottomK(20)
    restored.load_state_dict(first.state_dict())
    restored.merge(second)
    assert len(restored) == len(whole) == 20  # reading settles the buffers
    assert torch.equal(restored.keys, whole.keys)
    assert torch.equal(restored.layer_rows(1), whole.layer_rows(1))
