"""Sentence embeddings of a transformers model: its pooling of the last hidden state."""

from __future__ import annotations

import torch
from transformers import AutoModel

from cselab.models.encoder import as_encoder
from cselab.models.sentence_embeddings import pooled_embeddings

SENTENCES = ["A cat sat on the mat.", "Dogs run.", "The quick brown fox jumps over it."]


def by_hand(model, tokenizer, sentence: str, pooling: str) -> torch.Tensor:
    """One sentence alone (no padding): mean or first row of the last hidden state."""
    with torch.no_grad():
        hidden = model.eval()(**tokenizer(sentence, return_tensors="pt")).last_hidden_state[0]
    return hidden.mean(0) if pooling == "mean" else hidden[0]


def test_pooled_embeddings_equal_each_sentence_alone(tiny_model_dir) -> None:
    plain = AutoModel.from_pretrained(str(tiny_model_dir))
    encoder = as_encoder(plain)
    batches = []
    for pooling in ("mean", "cls"):
        got = pooled_embeddings(encoder, SENTENCES, batch_size=2, pooling=pooling,
                                on_batch=batches.append)  # fmt: skip
        expected = torch.stack([by_hand(plain, encoder.tokenizer, s, pooling) for s in SENTENCES])
        torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4)
    assert batches == [2, 1, 2, 1]


def test_the_model_mode_is_restored(tiny_model_dir) -> None:
    plain = AutoModel.from_pretrained(str(tiny_model_dir)).train()
    pooled_embeddings(as_encoder(plain), SENTENCES[:1])
    assert plain.training
