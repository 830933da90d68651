"""The token view: all hidden states, token strings, ids, positions, special tokens, limits."""

from __future__ import annotations

import pytest
import torch

from cselab.errors import CselabError
from cselab.models.token_view import TokenEncoder, token_view, tokenize_sentences

SENTENCES = ["A cat sat on the mat.", "Dogs run.", "The quick brown fox jumps over it."]


def test_every_layer_matches_a_direct_forward_pass(tiny_model) -> None:
    view = token_view(tiny_model, SENTENCES, batch_size=2)
    tokenizer = tiny_model[0].tokenizer
    model = tiny_model[0].auto_model.eval()
    assert sorted(view.embeddings) == [0, 1, 2]  # input embeddings + 2 layers
    for index, sentence in enumerate(SENTENCES):
        enc = tokenizer(sentence, return_tensors="pt")
        with torch.no_grad():
            hidden = model(**enc, output_hidden_states=True).hidden_states
        rows = view.sentence_ids == index
        ids = enc["input_ids"][0]
        assert view.positions[rows].tolist() == list(range(1, len(ids) - 1))  # no [CLS]/[SEP]
        assert view.token_ids[rows].tolist() == ids[1:-1].tolist()
        for layer in range(3):
            torch.testing.assert_close(
                view.embeddings[layer][rows], hidden[layer][0, 1:-1], atol=1e-5, rtol=1e-4
            )
    words = [t for t, s in zip(view.tokens, view.sentence_ids.tolist(), strict=True) if s == 1]
    assert words == tokenizer.tokenize(SENTENCES[1])


def test_special_tokens_in_by_option(tiny_model) -> None:
    view = token_view(tiny_model, SENTENCES[:1], include_special=True, layers=[2])
    assert view.tokens[0] == "[CLS]" and view.tokens[-1] == "[SEP]"
    assert list(view.embeddings) == [2]


def test_padding_does_not_change_real_tokens(tiny_model) -> None:
    encoder = TokenEncoder(tiny_model)
    corpus = encoder.tokenize(SENTENCES)
    per_batch = list(encoder.batches(corpus, batch_size=3, pad_to="batch"))[0]
    padded = list(encoder.batches(corpus, batch_size=1, pad_to="corpus", sort_by_length=False))
    assert all(b.input_ids.shape[1] == max(corpus.lengths) for b in padded)
    keep = per_batch.selection(include_special=True)
    a = per_batch.layer_tokens(2, keep)
    for b in padded:
        tb = b.layer_tokens(2, b.selection(include_special=True))
        rows = a.sentence_ids == b.sentence_ids[0]
        torch.testing.assert_close(a.embeddings[rows], tb.embeddings, atol=1e-5, rtol=1e-4)
    with_pad = padded[1].selection(include_special=True, include_padding=True)
    assert with_pad.all() and not padded[1].selection(include_special=True).all()
    assert encoder.forward_seconds > 0


def test_long_sentence_warns_or_fails_when_strict(tiny_model) -> None:
    long = " ".join(["word"] * 200)
    with pytest.warns(
        UserWarning, match=r"1 of 2 sentences exceed .* 16 tokens; the first is sentence 1"
    ):
        view = token_view(tiny_model, ["short one", long], max_length=16)
    assert int((view.sentence_ids == 1).sum()) == 14  # 16 minus [CLS] and [SEP]
    with pytest.raises(CselabError, match="sentence 1 \\(202 tokens\\)"):
        token_view(tiny_model, ["short one", long], max_length=16, strict=True)


def test_bad_inputs(tiny_model) -> None:
    with pytest.raises(CselabError, match="sentence 1 is empty"):
        token_view(tiny_model, ["fine", "  "])
    with pytest.raises(CselabError, match="empty corpus"):
        token_view(tiny_model, [])
    with pytest.raises(CselabError, match="layer 7 outside 0..2"):
        token_view(tiny_model, ["fine"], layers=[7])


def test_plain_transformers_directory_works(tmp_path, tiny_model) -> None:
    from cselab.models.loading import load_model

    tiny_model[0].auto_model.save_pretrained(str(tmp_path))
    tiny_model[0].tokenizer.save_pretrained(str(tmp_path))
    assert not (tmp_path / "modules.json").exists()
    plain = load_model(tmp_path)
    a = token_view(plain, SENTENCES[:2], layers=[2])
    b = token_view(tiny_model, SENTENCES[:2], layers=[2])
    torch.testing.assert_close(a.embeddings[2], b.embeddings[2], atol=1e-5, rtol=1e-4)


def test_forward_runs_in_eval_mode_and_restores_the_mode(tiny_model) -> None:
    """Dropout never enters a measurement, whatever mode the caller left the model in."""
    encoder = TokenEncoder(tiny_model)
    batch = next(encoder.batches(encoder.tokenize(SENTENCES), batch_size=3))
    keep = batch.selection(include_special=True)
    tiny_model.train()
    try:
        again = next(encoder.batches(encoder.tokenize(SENTENCES), batch_size=3))
        assert tiny_model[0].auto_model.training
    finally:
        tiny_model.eval()
    torch.testing.assert_close(
        again.layer_tokens(2, keep).embeddings, batch.layer_tokens(2, keep).embeddings
    )


def test_the_fast_backend_path_gives_the_wrappers_ids_and_flags(tiny_model) -> None:
    tokenizer = tiny_model[0].tokenizer
    texts = ["the cat sat .", "a [SEP] inside [CLS] text", "x " * 300, "héllo wörld"]
    tokenizer(["warm up"], truncation=True, max_length=3)  # leaves truncation set in the backend
    ids, special, too_long = tokenize_sentences(tokenizer, texts, 10_000)
    want = tokenizer(texts, truncation=False, return_special_tokens_mask=True, verbose=False)
    assert ids == want["input_ids"] and special == want["special_tokens_mask"]
    assert not too_long and len(ids[2]) > 300  # not truncated by the earlier call
    backend = tokenizer.backend_tokenizer
    backend.enable_truncation(max_length=7)
    backend.enable_padding(length=9, pad_id=0)
    before = (backend.truncation, backend.padding)
    tokenize_sentences(tokenizer, texts, 10_000)
    assert (backend.truncation, backend.padding) == before  # the caller's settings are kept
    backend.no_truncation()
    backend.no_padding()
