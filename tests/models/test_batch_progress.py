"""Counting encoded sentences through a forward hook leaves the embeddings unchanged."""

from __future__ import annotations

import torch

from cselab.models.batch_progress import counting_sentences


def test_every_sentence_is_counted_batch_by_batch(tiny_model, toy_sentences) -> None:
    plain = tiny_model.encode(toy_sentences, batch_size=4, convert_to_tensor=True)
    batches: list[int] = []
    with counting_sentences(tiny_model, batches.append):
        counted = tiny_model.encode(toy_sentences, batch_size=4, convert_to_tensor=True)
    assert batches == [4, 2]  # encode's own batches: 6 sentences by 4
    assert torch.equal(plain, counted)
    tiny_model.encode(toy_sentences[:1])
    assert batches == [4, 2]  # the hook is gone after the block


def test_a_model_without_modules_is_left_alone() -> None:
    with counting_sentences(object(), lambda n: None):
        pass
