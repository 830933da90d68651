"""STS evaluator against sentence-transformers' evaluator and scipy."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import pearsonr, spearmanr

from cselab.data.pairs import ScoredPair
from cselab.data.sts import read_stsbenchmark
from cselab.errors import CselabError
from cselab.evaluation.sts import correlations, evaluate_sts, pair_similarities


def _st_evaluator(model, pairs):
    from sentence_transformers.sentence_transformer.evaluation import (
        EmbeddingSimilarityEvaluator,
    )

    evaluator = EmbeddingSimilarityEvaluator(
        [p.sentence1 for p in pairs],
        [p.sentence2 for p in pairs],
        [p.score for p in pairs],
        similarity_fn_names=["cosine"],
        batch_size=16,
    )
    return evaluator(model)


@pytest.fixture(scope="module")
def dev_pairs(stsb_dir):
    return read_stsbenchmark(stsb_dir / "sts-dev.csv")[:96]


def test_equals_sentence_transformers_evaluator(tiny_model, dev_pairs):
    ours = evaluate_sts(tiny_model, dev_pairs, batch_size=16)
    theirs = _st_evaluator(tiny_model, dev_pairs)
    key = next(k for k in theirs if k.endswith("spearman_cosine"))
    assert ours["spearman"] / 100 == pytest.approx(theirs[key], abs=1e-6)
    key = next(k for k in theirs if k.endswith("pearson_cosine"))
    assert ours["pearson"] / 100 == pytest.approx(theirs[key], abs=1e-6)
    assert ours["n"] == len(dev_pairs)


def test_spearman_and_pearson_equal_scipy(tiny_model, dev_pairs):
    result = evaluate_sts(tiny_model, dev_pairs, batch_size=32)
    gold = [p.score for p in dev_pairs]
    sims = pair_similarities(tiny_model, dev_pairs, batch_size=32)
    assert result["spearman"] == pytest.approx(100 * spearmanr(gold, sims)[0], abs=1e-9)
    assert result["pearson"] == pytest.approx(100 * pearsonr(gold, sims)[0], abs=1e-9)


def test_pooling_override_matches_hand_pooling(tiny_model, dev_pairs):
    pairs = dev_pairs[:8]
    sims = pair_similarities(tiny_model, pairs, pooling="cls")
    tok = tiny_model.tokenizer
    expected = []
    with torch.no_grad():
        for p in pairs:
            hidden = []
            for s in (p.sentence1, p.sentence2):
                enc = tok(s, return_tensors="pt")
                hidden.append(tiny_model[0].auto_model(**enc).last_hidden_state[0, 0])
            expected.append(torch.nn.functional.cosine_similarity(*hidden, dim=0).item())
    np.testing.assert_allclose(sims, expected, atol=1e-5)
    # mean pooling is this model's own configuration: override and default agree
    np.testing.assert_allclose(
        pair_similarities(tiny_model, pairs, pooling="mean"),
        pair_similarities(tiny_model, pairs),
        atol=1e-5,
    )


def test_restores_training_mode(tiny_model, dev_pairs):
    tiny_model.train()
    try:
        evaluate_sts(tiny_model, dev_pairs[:4])
        assert tiny_model.training
    finally:
        tiny_model.eval()


def test_bad_inputs_are_named():
    with pytest.raises(CselabError, match="dev: no pairs"):
        evaluate_sts(None, [], name="dev")
    with pytest.raises(CselabError, match="at least 2 pairs"):
        correlations(np.array([0.5]), np.array([1.0]))
    with pytest.raises(CselabError, match="all gold scores are equal"):
        correlations(np.array([0.1, 0.2, 0.3]), np.array([1.0, 1.0, 1.0]))
    with pytest.raises(CselabError, match="non-finite"):
        correlations(np.array([0.1, np.nan, 0.3]), np.array([1.0, 2.0, 3.0]))
    with pytest.raises(CselabError, match="unknown pooling 'sum'"):
        pair_similarities(None, [ScoredPair("a", "b", 1.0)], pooling="sum")


def test_correlations_handle_ties_like_scipy():
    gold = np.array([1.0, 1.0, 2.0, 3.0, 3.0, 5.0])
    pred = np.array([0.2, 0.1, 0.1, 0.7, 0.9, 0.8])
    out = correlations(pred, gold)
    assert out["spearman"] == pytest.approx(100 * spearmanr(gold, pred)[0])
    assert out["pearson"] == pytest.approx(100 * pearsonr(gold, pred)[0])


@pytest.mark.slow
def test_minilm_equals_sentence_transformers_evaluator(minilm_dir, stsb_dir):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(minilm_dir), device="cpu")
    pairs = read_stsbenchmark(stsb_dir / "sts-test.csv")[:200]
    ours = evaluate_sts(model, pairs, batch_size=16)
    theirs = _st_evaluator(model, pairs)
    key = next(k for k in theirs if k.endswith("spearman_cosine"))
    assert ours["spearman"] / 100 == pytest.approx(theirs[key], abs=1e-6)


def test_count_truncated_counts_long_sentences_without_a_tokenizer_warning(tiny_model, caplog):
    from cselab.evaluation.sts import count_truncated

    limit = tiny_model.max_seq_length
    short, long = "a b c", " ".join(["word"] * (limit + 5))
    tiny_model.tokenizer.model_max_length = limit  # the tokenizer would warn past this
    tiny_model.tokenizer.deprecation_warnings.clear()
    with caplog.at_level("WARNING"):
        assert count_truncated(tiny_model, [short, long, long]) == 2
    assert "indexing errors" not in caplog.text
