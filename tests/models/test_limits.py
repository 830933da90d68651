"""The position limit of a model, checked before any work."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cselab.errors import CselabError
from cselab.models.limits import check_token_limit, position_limit


def fake_model(**config):
    """Just enough of a SentenceTransformer: model[0].auto_model.config."""
    return [SimpleNamespace(auto_model=SimpleNamespace(config=SimpleNamespace(**config)))]


def test_bert_reads_its_position_table(tiny_model) -> None:
    assert position_limit(tiny_model) == 128  # the tiny BERT's max_position_embeddings


def test_roberta_style_positions_start_after_the_padding_index() -> None:
    mpnet = fake_model(model_type="mpnet", max_position_embeddings=514, pad_token_id=1)
    assert position_limit(mpnet) == 512  # all-mpnet-base-v2 reads 512 tokens
    assert position_limit(fake_model(model_type="bert", max_position_embeddings=512)) == 512


def test_no_position_table_means_no_limit() -> None:
    assert position_limit(fake_model(model_type="rotary")) is None
    assert position_limit(object()) is None


def test_a_limit_above_the_positions_is_refused_naming_both(tiny_model) -> None:
    check_token_limit(tiny_model, 128, "--max-length", "tiny")
    check_token_limit(tiny_model, None, "--max-length", "tiny")
    with pytest.raises(CselabError, match=r"^--max-length 129 is above the position limit of "
                       r"model 'tiny' \(128 tokens\): give at most 128$"):  # fmt: skip
        check_token_limit(tiny_model, 129, "--max-length", "tiny")
