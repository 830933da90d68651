"""How many tokens of a corpus a measurement keeps: sub-word tokens after truncation to the
model's limit, special tokens ([CLS], [SEP], <s>, </s>) counted only when kept."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from cselab.models.token_view import tokenize_corpus


def count_kept_tokens(
    model, sentences: Sequence[str], *, max_length: int | None = None, include_special: bool = False
) -> int:
    """Tokens of ``sentences`` that ``model`` reads with truncation at ``max_length`` (default:
    the model's ``max_seq_length``, else its tokenizer's limit), as the token view keeps them
    (:func:`cselab.models.token_view.tokenize_corpus`)."""
    tokenizer = model.tokenizer
    limit = int(max_length or model.max_seq_length or tokenizer.model_max_length)
    with warnings.catch_warnings():  # the measurement itself warns about truncation
        warnings.simplefilter("ignore", UserWarning)
        corpus = tokenize_corpus(tokenizer, sentences, limit)
    if include_special:
        return sum(corpus.lengths)
    return sum(len(mask) - sum(mask) for mask in corpus.special)
