"""The seeded, duplicate-free batch order."""

from __future__ import annotations

from cselab.data.pairs import Pair
from cselab.training.batching import epoch_batches


def test_no_duplicate_texts_in_a_batch_and_full_batches() -> None:
    examples = [Pair(f"s{i % 7}", f"s{i % 7}") for i in range(70)]  # 7 texts, 10 copies each
    batches = epoch_batches(examples, 7, seed=1, epoch=0)
    assert batches and all(len(b) == 7 for b in batches)
    for batch in batches:
        texts = [examples[i].anchor for i in batch]
        assert len(set(texts)) == len(texts)
    flat = [i for b in batches for i in b]
    assert len(flat) == len(set(flat))  # no example twice in an epoch


def test_order_depends_only_on_seed_and_epoch() -> None:
    examples = [Pair(f"a{i}", f"b{i}") for i in range(50)]
    first = epoch_batches(examples, 8, seed=3, epoch=2)
    assert first == epoch_batches(examples, 8, seed=3, epoch=2)
    assert first != epoch_batches(examples, 8, seed=3, epoch=1)
    assert len(first) == 50 // 8


def test_duplicates_allowed_when_disabled() -> None:
    examples = [Pair("same", "same")] * 8
    assert epoch_batches(examples, 4, seed=0, epoch=0) == []
    assert len(epoch_batches(examples, 4, seed=0, epoch=0, no_duplicates=False)) == 2
