"""Sentence embeddings of a transformers model that is not a SentenceTransformer: its
pooling (:mod:`cselab.models.pooling`, mean by default) over the non-padding tokens of its
last hidden state, u = pool(H_L, mask).

Batches of ``batch_size`` sentences in corpus order, truncated to the encoder's token limit,
in eval mode without gradients (the model's mode is restored after).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from cselab.models.encoder import Encoder
from cselab.models.pooling import get_pooling
from cselab.models.token_view import TokenEncoder, check_sentences


def pooled_embeddings(
    encoder: Encoder,
    sentences: Sequence[str],
    *,
    batch_size: int = 64,
    pooling: str | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> torch.Tensor:
    """(n, d) float32 on CPU: ``pooling`` (default the encoder's) of the last hidden state
    of every sentence; ``on_batch(number of sentences)`` after each forward pass."""
    check_sentences(sentences)
    pool = get_pooling(pooling or encoder.pooling)
    tokens = TokenEncoder(encoder)
    out = []
    for start in range(0, len(sentences), batch_size):
        part = list(sentences[start : start + batch_size])
        batch = encoder.tokenizer(
            part, padding=True, truncation=True, max_length=tokens.max_length, return_tensors="pt"
        )
        mask = batch["attention_mask"].to(encoder.device)  # (b, s)
        hidden = tokens.forward(batch["input_ids"].to(encoder.device), mask.bool())[-1]
        out.append(pool(hidden, mask).float().cpu())  # (b, d)
        if on_batch is not None:
            on_batch(len(part))
    return torch.cat(out) if out else torch.empty(0, encoder.config.hidden_size)
