"""How many tokens of a corpus a measurement keeps: sub-word tokens after truncation to the
model's limit, special tokens ([CLS], [SEP], <s>, </s>) counted only when kept."""

from __future__ import annotations

from collections.abc import Sequence


def count_kept_tokens(
    model, sentences: Sequence[str], *, max_length: int | None = None, include_special: bool = False
) -> int:
    """Tokens of ``sentences`` that ``model`` reads with truncation at ``max_length`` (default:
    the model's ``max_seq_length``, else its tokenizer's limit), as the token view keeps them."""
    tokenizer = model.tokenizer
    limit = int(max_length or model.max_seq_length or tokenizer.model_max_length)
    encoded = tokenizer(
        list(sentences),
        truncation=True,
        max_length=limit,
        return_special_tokens_mask=True,
        verbose=False,
    )
    masks = encoded["special_tokens_mask"]  # per sentence: 1 for a special token
    if include_special:
        return sum(len(mask) for mask in masks)
    return sum(len(mask) - sum(mask) for mask in masks)
