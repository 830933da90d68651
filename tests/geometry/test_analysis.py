"""The geometry pipeline: which tokens reach which metric, per layer, under each protocol.

The pipeline is checked against brute-force references computed here from the model's
own hidden states (so a wrong token set, a wrong padding rule or a wrong layer shows up),
and against a from-scratch re-implementation of the paper's procedure (Xiao et al. 2023
code: the corpus padded to its longest sentence in one batch, first occurrence per
sentence, >= 5 occurrences in padded input_ids) -- the pipeline itself runs each sentence
to its length + 1 only.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cselab.errors import CselabError
from cselab.geometry.analysis import analyze_geometry
from cselab.geometry.protocols import get_protocol


def mean_offdiag_cos(x: torch.Tensor) -> float:
    u = F.normalize(x.double(), dim=-1)
    sim = u @ u.T
    n = len(u)
    return float((sim.sum() - sim.diagonal().sum()) / (n * (n - 1)))


FAMILIES = ["anisotropy", "self_similarity", "intra_sentence"]


def values(result, layer: int) -> dict[str, float]:
    rows = result.table[result.table["layer"] == layer]
    return dict(zip(rows["metric"], rows["value"], strict=True))


def paper_reference(model, sentences: list[str], layer: int) -> dict[str, float]:
    """The paper's procedure, written from its description (DESIGN.md), all at once."""
    tok = model[0].tokenizer
    enc = tok(sentences, padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model[0].auto_model.eval()(**enc, output_hidden_states=True).hidden_states
    h = hidden[layer]  # (n, s, d)
    ids = enc["input_ids"].tolist()
    counts = Counter(t for row in ids for t in row)
    per_token = []
    for token, count in counts.items():
        if count < 5:
            continue
        vecs = [h[i, row.index(token)] for i, row in enumerate(ids) if token in row]
        if len(vecs) > 1:
            per_token.append(mean_offdiag_cos(torch.stack(vecs)))
    lengths = enc["attention_mask"].sum(1)
    intra = []
    for i, n in enumerate(lengths.tolist()):
        rows = h[i, :n].double()
        intra.append(float(F.cosine_similarity(rows, rows.mean(0, keepdim=True)).mean()))
    real = torch.cat([h[i, :n] for i, n in enumerate(lengths.tolist())])
    return {
        "self_similarity": sum(per_token) / len(per_token),
        "intra_sentence_similarity": sum(intra) / len(intra),
        "anisotropy": mean_offdiag_cos(real),
    }


def test_xiao2023_protocol_reproduces_the_papers_procedure(tiny_model, toy_sentences) -> None:
    protocol = get_protocol("xiao2023").with_options(batch_size=4)
    result = analyze_geometry(
        tiny_model, toy_sentences, protocol=protocol, metrics=FAMILIES, sentence_metrics=False
    )
    assert result.layers == [0, 1, 2]
    for layer in result.layers:
        got, want = values(result, layer), paper_reference(tiny_model, toy_sentences, layer)
        for name, value in want.items():
            assert got[name] == pytest.approx(value, abs=1e-5), (layer, name)
        baseline = got["anisotropy_sampled"]  # xiao2023 adjusts by the sampled baseline
        assert got["anisotropy_baseline"] == baseline
        assert got["self_similarity_adjusted"] == pytest.approx(got["self_similarity"] - baseline)
        assert got["intra_sentence_similarity_adjusted"] == pytest.approx(
            got["intra_sentence_similarity"] - baseline
        )
    pad_id = tiny_model[0].tokenizer.pad_token_id
    assert pad_id in result.per_token[2]  # padding counts as a token in the paper's code


def test_default_protocol_uses_words_only_and_ignores_batching(tiny_model, toy_sentences):
    from cselab.models.token_view import token_view

    one = analyze_geometry(
        tiny_model, toy_sentences, metrics=FAMILIES, layers=[-1], sentence_metrics=False
    )
    many = analyze_geometry(
        tiny_model, toy_sentences, protocol=get_protocol("default").with_options(batch_size=1),
        metrics=FAMILIES, layers=[2], sentence_metrics=False,
    )  # fmt: skip
    a, b = values(one, 2), values(many, 2)
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == pytest.approx(b[name], abs=1e-5)
    view = token_view(tiny_model, toy_sentences, layers=[2])
    assert a["anisotropy"] == pytest.approx(mean_offdiag_cos(view.embeddings[2]), abs=1e-5)
    assert a["anisotropy_baseline"] == a["anisotropy"]  # default: exact baseline
    specials = set(tiny_model[0].tokenizer.all_special_ids)
    assert not specials & set(one.per_token[2])
    the = tiny_model[0].tokenizer.convert_tokens_to_ids("the")
    assert one.per_token[2][the][0] == sum(s.split().count("the") for s in toy_sentences)
    assert one.token_string(the) == "the"


def test_sentence_metrics_run_on_pooled_embeddings(tiny_model, toy_sentences) -> None:
    result = analyze_geometry(tiny_model, toy_sentences, metrics=["anisotropy"], layers=[2])
    pooled = tiny_model.encode(toy_sentences, convert_to_tensor=True)  # mean pooling, last layer
    got = values(result, 2)
    assert got["sentence_anisotropy"] == pytest.approx(mean_offdiag_cos(pooled), abs=1e-5)
    assert result.pooling == "mean"
    assert set(result.table.columns) == {"model", "corpus", "layer", "metric", "value"}
    assert result.summary()["last_layer"]["sentence_anisotropy"] == got["sentence_anisotropy"]


def test_bad_arguments(tiny_model, toy_sentences) -> None:
    with pytest.raises(CselabError, match=r"layers \[5\]: choose from 0..2"):
        analyze_geometry(tiny_model, toy_sentences, layers=[5], metrics=FAMILIES)
    with pytest.raises(CselabError, match=r"unknown metric\(s\) \['colour'\]"):
        analyze_geometry(tiny_model, toy_sentences, metrics=["colour"])
    with pytest.raises(CselabError, match="unknown protocol 'paper'"):
        analyze_geometry(tiny_model, toy_sentences, protocol="paper", metrics=FAMILIES)
    with pytest.raises(CselabError, match="empty corpus"):
        analyze_geometry(tiny_model, [], metrics=FAMILIES)


def test_vectors_from_elsewhere_give_the_models_numbers(tiny_model, toy_sentences) -> None:
    """analyze_embeddings on numpy token vectors (and pooled sentence vectors) of the model
    equals analyze_geometry on the model itself."""
    from cselab.geometry.analysis import analyze_embeddings
    from cselab.models.token_view import token_view

    direct = analyze_geometry(tiny_model, toy_sentences, layers=[1, 2])
    view = token_view(tiny_model, toy_sentences, layers=[1, 2])
    pooled = tiny_model.encode(toy_sentences)  # (n, d) numpy, mean pooling, last layer
    given = analyze_embeddings(
        token_vectors={layer: view.embeddings[layer].numpy() for layer in (1, 2)},
        token_ids=view.token_ids.numpy(),
        sentence_ids=view.sentence_ids.numpy(),
    )
    sentences = analyze_embeddings(sentence_vectors=pooled, layers=[2])
    want = direct.table.set_index(["layer", "metric"])["value"]
    got = given.table.set_index(["layer", "metric"])["value"]
    tokens = want[~want.index.get_level_values("metric").str.startswith("sentence_")]
    assert got.index.sort_values().equals(tokens.index.sort_values())
    # the effective rank reads eigenvalues down to 4 ε λ_max: a float32 scatter resolves
    # those near 1e-6 λ_max to a few digits, so other batches move it by ~1e-6 relative
    rank = got.index.get_level_values("metric") == "effective_rank"
    assert (got[~rank] - tokens[~rank]).abs().max() < 1e-5
    assert ((got[rank] - tokens[rank]).abs() / tokens[rank]).max() < 1e-5
    assert given.per_token[2].keys() == direct.per_token[2].keys()
    got_s = sentences.table.set_index(["layer", "metric"])["value"]
    assert got_s[(2, "sentence_anisotropy")] == pytest.approx(
        want[(2, "sentence_anisotropy")], abs=1e-5
    )
    assert not any(m.startswith("self_similarity") for m in sentences.table["metric"])


def test_vectors_that_cannot_be_read_are_named() -> None:
    from cselab.geometry.analysis import analyze_embeddings

    tokens = np.zeros((2, 6, 4), dtype=np.float32)
    with pytest.raises(CselabError, match="token_vectors need token_ids .* and sentence_ids"):
        analyze_embeddings(token_vectors=tokens)
    with pytest.raises(CselabError, match="token_ids: expected numbers .* got list"):
        analyze_embeddings(token_vectors=tokens, token_ids=list("abcdef"), sentence_ids=[0] * 6)
    ids = np.arange(6)
    with pytest.raises(CselabError, match="expected real numbers, got dtype torch.complex"):
        analyze_embeddings(token_vectors=tokens + 1j, token_ids=ids, sentence_ids=ids)
    with pytest.raises(CselabError, match="token_ids: expected whole numbers"):
        analyze_embeddings(token_vectors=tokens, token_ids=ids + 0.5, sentence_ids=ids)
    uneven = {1: np.ones((6, 4)), 2: np.ones((6, 3))}
    with pytest.raises(CselabError, match=r"same n and d, got shapes \{1: \(6, 4\), 2: \(6, 3\)\}"):
        analyze_embeddings(token_vectors=uneven, token_ids=ids, sentence_ids=ids)
    far_apart = np.r_[np.repeat(np.arange(300), 2), [0, 0]]  # sentence 0 again, 300 later
    vectors = np.random.default_rng(0).normal(size=(len(far_apart), 4))
    with pytest.raises(CselabError, match="token vectors: sentence_ids .* not contiguous"):
        analyze_embeddings(token_vectors=vectors, token_ids=far_apart, sentence_ids=far_apart)
    with pytest.raises(CselabError, match=r"sentence_vectors of shape \(5,\): give \(n, d\)"):
        analyze_embeddings(sentence_vectors=np.ones(5))
    with pytest.raises(CselabError, match="sentence_vectors: expected numbers"):
        analyze_embeddings(sentence_vectors=np.array([["a", "b"]] * 5))


def test_progress_counts_batches_and_any_iterable_works(tiny_model, toy_sentences) -> None:
    protocol = get_protocol("default").with_options(batch_size=4)
    calls: list[tuple[int, int | None]] = []
    listed = analyze_geometry(
        tiny_model, toy_sentences, protocol=protocol, metrics=FAMILIES,
        progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    assert calls == [(1, 2), (2, 2)]
    calls.clear()
    streamed = analyze_geometry(
        tiny_model, (s for s in toy_sentences), protocol=protocol, metrics=FAMILIES,
        progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    assert calls == [(1, None), (2, None)]
    assert streamed.table.equals(listed.table) and streamed.n_sentences == len(toy_sentences)
