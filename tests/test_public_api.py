"""The public API (``cselab``), starting from what failed for a new user (issue #15):

``import cselab`` exported nothing; ``analyze_geometry("all-MiniLM-L6-v2", sentences)``
raised ``AttributeError: 'str' object has no attribute 'tokenizer'``; a plain ``AutoModel``
raised ``'BertModel' object is not subscriptable``; losses returned an object without
``.backward()``; gradient functions took loss names only. Each is a test here, with the
numbers of the new path checked against the path that already worked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from test_lazy import type_checking_names

import cselab
from cselab.evaluation.sts import pair_similarities

API = {
    "load_model", "analyze_geometry", "analyze_embeddings", "compare_models", "evaluate_sts",
    "LOSSES", "get_loss", "gradient_parts", "train", "TrainConfig", "read_results",
    "CselabError", "__version__",
}  # fmt: skip


def same_table(a: pd.DataFrame, b: pd.DataFrame, atol: float = 1e-6) -> None:
    """Same rows (layer, metric) and values within ``atol``; the labels may differ."""
    key = ["layer", "metric"]
    left, right = (
        a.sort_values(key).reset_index(drop=True),
        b.sort_values(key).reset_index(drop=True),
    )
    assert left[key].equals(right[key])
    np.testing.assert_allclose(left["value"], right["value"], atol=atol, rtol=0)


def test_import_cselab_exports_the_api() -> None:
    assert set(cselab.__all__) == API
    assert type_checking_names("cselab") == API - {"__version__"}
    assert all(getattr(cselab, name) is not None for name in cselab.__all__)


def test_analyze_geometry_takes_a_name_or_path(tiny_model, tiny_model_dir, toy_sentences) -> None:
    by_path = cselab.analyze_geometry(str(tiny_model_dir), toy_sentences)
    loaded = cselab.analyze_geometry(tiny_model, toy_sentences)
    same_table(by_path.table, loaded.table, atol=0)
    assert set(by_path.table["model"]) == {tiny_model_dir.name}
    assert set(by_path.table["corpus"]) == {"corpus"}


@pytest.mark.slow
def test_analyze_geometry_of_minilm_by_its_short_name(minilm_dir, toy_sentences) -> None:
    """The issue's call, verbatim (the offline copy of all-MiniLM-L6-v2)."""
    result = cselab.analyze_geometry("all-MiniLM-L6-v2", toy_sentences, metrics=["anisotropy"])
    assert set(result.table["model"]) == {"all-MiniLM-L6-v2"}
    assert sorted(set(result.table["layer"])) == list(range(7))


def test_a_plain_automodel_is_measured_like_its_sentence_transformer(
    tiny_model, tiny_model_dir, toy_sentences
) -> None:
    """Same transformer, same mean pooling: the same numbers at both levels, whether the
    tokenizer is given or loaded from the model's folder."""
    from transformers import AutoModel, AutoTokenizer

    plain = AutoModel.from_pretrained(str(tiny_model_dir))
    reference = cselab.analyze_geometry(tiny_model, toy_sentences).table
    own_tokenizer = cselab.analyze_geometry(plain, toy_sentences).table
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    given = cselab.analyze_geometry(plain, toy_sentences, tokenizer=tokenizer).table
    assert (reference["metric"].str.startswith("sentence_")).any()
    same_table(own_tokenizer, reference)
    same_table(given, reference)


def test_sts_of_a_plain_automodel_equals_its_sentence_transformer(
    tiny_model, tiny_model_dir
) -> None:
    from transformers import AutoModel

    from cselab.data.pairs import ScoredPair

    pairs = [ScoredPair("a cat sat on the mat", "the cat is on a mat", 4.0),
             ScoredPair("a dog ran", "stocks fell sharply today", 0.5),
             ScoredPair("the bird sang a song", "a bird is singing", 3.5)]  # fmt: skip
    plain = AutoModel.from_pretrained(str(tiny_model_dir))
    np.testing.assert_allclose(
        pair_similarities(plain, pairs), pair_similarities(tiny_model, pairs), atol=1e-6
    )
    by_name = cselab.evaluate_sts(str(tiny_model_dir), [(p.sentence1, p.sentence2, p.score)
                                                       for p in pairs])  # fmt: skip
    assert by_name == cselab.evaluate_sts(tiny_model, pairs)


def test_metric_functions_take_numpy() -> None:
    from cselab.geometry.anisotropy import anisotropy_all_pairs
    from cselab.geometry.intra_sentence import intra_sentence_similarity
    from cselab.geometry.isoscore import isoscore
    from cselab.geometry.self_similarity import self_similarity

    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 8))
    sentence_ids, token_ids = np.repeat(np.arange(8), 5), rng.integers(0, 4, size=40)
    t = torch.from_numpy(x)
    assert anisotropy_all_pairs(x) == anisotropy_all_pairs(t)
    assert isoscore(x) == isoscore(t)
    assert intra_sentence_similarity(x, sentence_ids) == intra_sentence_similarity(
        t, torch.from_numpy(sentence_ids)
    )
    assert self_similarity(x, token_ids, sentence_ids, min_count=2) == self_similarity(
        t, torch.from_numpy(token_ids), torch.from_numpy(sentence_ids), min_count=2
    )


def test_a_loss_is_a_torch_loss() -> None:
    loss = cselab.get_loss("align_uniform")
    anchor = torch.randn(6, 4, requires_grad=True)
    value = loss(anchor, torch.randn(6, 4))
    assert value.dim() == 0
    value.backward()
    assert anchor.grad is not None and set(loss.last_parts) >= {"alignment", "uniformity"}
    with pytest.raises(cselab.CselabError, match=r"unknown loss 'simcse'; choose one of"):
        cselab.get_loss("simcse")
    with pytest.raises(cselab.CselabError, match=r"takes no parameter\(s\) \['margin'\]"):
        cselab.get_loss("info_nce", margin=0.2)


def test_gradient_parts_take_a_module_and_numpy() -> None:
    g = torch.Generator().manual_seed(0)
    anchor, positive = torch.randn(6, 5, generator=g), torch.randn(6, 5, generator=g)
    by_name = cselab.gradient_parts("arccon", anchor, positive, margin_degrees=10.0)
    by_module = cselab.gradient_parts(
        cselab.get_loss("arccon", margin_degrees=10.0), anchor.numpy(), positive.numpy()
    )
    for part in ("dissipation", "weights", "ratio", "scale"):
        assert torch.equal(getattr(by_name, part), getattr(by_module, part)), part
