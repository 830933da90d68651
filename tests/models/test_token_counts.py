"""Tokens a measurement keeps, against counting each sentence's tokens one by one."""

from __future__ import annotations

import pytest

from cselab.models.token_counts import count_kept_tokens


@pytest.mark.parametrize("include_special", [False, True])
@pytest.mark.parametrize("max_length", [None, 5])
def test_count_equals_tokens_counted_one_sentence_at_a_time(
    tiny_model, toy_sentences, include_special, max_length
) -> None:
    tokenizer = tiny_model.tokenizer
    limit = max_length or tiny_model.max_seq_length
    special = set(tokenizer.all_special_ids)
    expected = 0
    for sentence in toy_sentences:
        ids = tokenizer(sentence)["input_ids"]  # [CLS] ... [SEP]
        if len(ids) > limit:  # truncation keeps [CLS], the first limit-2 words, [SEP]
            ids = ids[: limit - 1] + ids[-1:]
        expected += len(ids) if include_special else sum(i not in special for i in ids)
    counted = count_kept_tokens(
        tiny_model, toy_sentences, max_length=max_length, include_special=include_special
    )
    assert counted == expected
