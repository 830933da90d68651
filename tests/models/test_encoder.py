"""Any model as an encoder: a name or path, a SentenceTransformer, a transformers model."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from transformers import AutoModel, AutoTokenizer

from cselab.errors import CselabError
from cselab.models.encoder import as_encoder


def test_a_sentence_transformer_gives_its_own_parts(tiny_model, tiny_model_dir) -> None:
    encoder = as_encoder(tiny_model)
    assert encoder.transformer is tiny_model[0].auto_model
    assert encoder.tokenizer is tiny_model[0].tokenizer
    assert encoder.sentence_transformer is tiny_model
    assert (encoder.max_length, encoder.pooling) == (tiny_model.max_seq_length, "mean")
    assert encoder.num_hidden_states == 3 and encoder.label == tiny_model_dir.name
    assert as_encoder(encoder) is encoder
    assert as_encoder(encoder, pooling="cls").pooling == "cls"


def test_a_name_or_path_is_loaded(tiny_model_dir) -> None:
    encoder = as_encoder(str(tiny_model_dir))
    assert encoder.sentence_transformer is not None and encoder.label == tiny_model_dir.name
    assert as_encoder(tiny_model_dir).num_hidden_states == 3  # a Path too


def test_a_transformers_model_reads_its_limit_and_tokenizer(tiny_model_dir) -> None:
    plain = AutoModel.from_pretrained(str(tiny_model_dir))
    encoder = as_encoder(plain)
    assert encoder.sentence_transformer is None and encoder.transformer is plain
    assert encoder.max_length == 128  # the position table: 128 < the tokenizer's 512
    assert encoder.tokenizer.vocab_size == plain.config.vocab_size
    assert encoder.pooling == "mean" and as_encoder(plain, pooling="max").pooling == "max"
    given = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    assert as_encoder(plain, given).tokenizer is given


def test_what_is_not_a_model_is_named(tiny_model_dir) -> None:
    with pytest.raises(CselabError, match="model of type int: give a name or path"):
        as_encoder(3)
    plain = AutoModel.from_pretrained(str(tiny_model_dir))
    plain.name_or_path = ""
    with pytest.raises(CselabError, match="no name_or_path to load its tokenizer from"):
        as_encoder(plain)
    plain.name_or_path = str(tiny_model_dir / "nowhere")
    with pytest.raises(CselabError, match="no tokenizer given for BertModel and none loads"):
        as_encoder(plain)
    with pytest.raises(CselabError, match="tokenizer of type str: give a transformers tokenizer"):
        as_encoder(plain, "bert-base-uncased")
    with pytest.raises(CselabError, match="unknown pooling 'sum'"):
        as_encoder(plain, AutoTokenizer.from_pretrained(str(tiny_model_dir)), pooling="sum")


def test_a_sentence_transformer_without_a_transformer_is_refused() -> None:
    class SentenceTransformer(list):  # the class name is what is recognised
        pass

    static = SentenceTransformer([SimpleNamespace(auto_model=None, tokenizer=None)])
    with pytest.raises(CselabError, match="first module is SimpleNamespace"):
        as_encoder(static)
