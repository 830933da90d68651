"""Two models measured on the same sentences and compared token by token (SSC)."""

from __future__ import annotations

import pandas as pd

from cselab.geometry.analysis import analyze_geometry
from cselab.geometry.comparison import compare_models, compare_pair


def test_compare_models_is_compare_pair_of_two_analyses(tiny_model, toy_sentences) -> None:
    from sentence_transformers import SentenceTransformer

    other = SentenceTransformer(tiny_model[0].auto_model.name_or_path, device="cpu")
    for parameter in other.parameters():  # a "fine-tuned" copy: every weight moved a little
        parameter.data.mul_(1.05)
    corpus = toy_sentences * 3
    pair = compare_models(tiny_model, other, iter(corpus), top_n=10, k=3)  # read twice
    options = {"sentence_metrics": False, "corpus_label": "corpus"}
    expected = compare_pair(
        analyze_geometry(tiny_model, corpus, **options),
        analyze_geometry(other, corpus, **options),
        top_n=10,
        k=3,
    )
    pd.testing.assert_frame_equal(pair.ssc, expected.ssc)
    pd.testing.assert_frame_equal(pair.extremes, expected.extremes)
    assert pair.layer == 2 and len(pair.ssc) == 10 and (pair.ssc["ssc"] != 0).all()
    assert not pair.vanilla.table["metric"].str.startswith("sentence_").any()


def test_compare_models_adds_the_families_ssc_reads(tiny_model, toy_sentences) -> None:
    pair = compare_models(tiny_model, tiny_model, toy_sentences * 3, metrics="l2_norm", top_n=5)
    measured = set(pair.vanilla.table["metric"])
    assert {"anisotropy_baseline", "self_similarity", "l2_norm"} <= measured
    assert "isoscore" not in measured
    assert (pair.ssc["ssc"].abs() < 1e-9).all()  # a model against itself changes nothing
