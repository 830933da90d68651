"""One layer's tokens as a batch, as the token view builds it
(:meth:`cselab.models.token_view.EncodedBatch.layer_tokens`).

It is also the unit a caller feeds to a single metric stream
(:class:`~cselab.geometry.stream.MetricStream`); the geometry pipeline itself moves
:class:`~cselab.geometry.batch.ViewBatch` objects (all layers stacked).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class TokenBatch:
    """One layer's view of a batch of sentences, flattened over tokens.

    embeddings:   (n_tokens, d) float, contextual vectors of the kept tokens
    token_ids:    (n_tokens,) long, vocabulary ids (the "word" for self-similarity)
    sentence_ids: (n_tokens,) long, corpus-wide sentence index; a sentence's tokens are
                  contiguous and never split across batches
    positions:    (n_tokens,) long, position of the token in its tokenized sentence
    """

    embeddings: torch.Tensor
    token_ids: torch.Tensor
    sentence_ids: torch.Tensor
    positions: torch.Tensor
