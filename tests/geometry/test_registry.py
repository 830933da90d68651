"""METRICS: one spec per family; every output is described; every family streams.

Every output the pipeline writes (tokens, sentences, adjusted values) must be found by
``describe`` under its own family, with a section and a label; every family honours the
stream contract (batch-by-batch == one batch, reset, empty input named).
"""

from __future__ import annotations

import pytest
from token_data import batches, metric, random_tokens, stream

from cselab.errors import CselabError
from cselab.geometry.analysis import analyze_geometry
from cselab.geometry.registry import ALIASES, METRICS, describe, resolve_families, section_of
from cselab.geometry.spec import SECTIONS
from cselab.geometry.statistics import STATISTICS

EXPECTED = {"anisotropy", "self_similarity", "intra_sentence", "l2_norm", "dimensions",
            "informativity", "isoscore", "spectrum", "uniformity"}  # fmt: skip


def test_registry_names_statistics_and_display() -> None:
    assert set(METRICS) == EXPECTED
    for name, spec in METRICS.items():
        assert spec.name == name and spec.summary and spec.outputs
        assert set(spec.statistics) <= set(STATISTICS), name
        assert all(output.section in SECTIONS for output in spec.outputs), name
    assert resolve_families(["norms", "anisotropy"]) == ("anisotropy", "l2_norm")
    assert resolve_families("norms") == ("l2_norm",)  # one name, not its characters
    assert ALIASES == {"norms": "l2_norm"}
    with pytest.raises(CselabError, match=r"unknown metric\(s\) \['colour'\]"):
        resolve_families(["colour"])


def test_describe_finds_every_output_of_a_run(tiny_model, toy_sentences) -> None:
    for protocol in ("default", "xiao2023"):
        result = analyze_geometry(tiny_model, toy_sentences * 2, protocol=protocol, layers=[2])
        for name in result.table["metric"]:
            info = describe(name)
            assert info is not None, name
            assert info.label and info.section in SECTIONS
            family = info.spec.name
            assert name.removeprefix("sentence_").startswith(family) or family in (
                "dimensions", "spectrum", "l2_norm"
            ), name  # fmt: skip
    info = describe("sentence_informativity_r2_k100")
    assert info is not None and info.level == "sentence"
    assert info.label == "r² after removing the top 100 dimensions (sentence embeddings)"
    assert info.paper == "Xiao et al. 2023, Table 3" and info.table_row
    assert describe("self_similarity_dims_for_50pct").section == "rogue dimensions"  # type: ignore[union-attr]
    assert describe("self_similarity_adjusted").output.derived  # type: ignore[union-attr]
    assert section_of("anisotropy_baseline") == "isotropy"
    assert describe("train_loss") is None and describe("sentence_self_similarity") is None


def test_every_family_streams_resets_and_rejects_empty_input() -> None:
    x, ids, sids = random_tokens(seed=18, n_sentences=30, vocab=4)
    for name in METRICS:
        streamed = metric(name, seed=3, self_similarity_min_count=2)
        first = stream(streamed, batches(x, ids, sids))
        one_shot = stream(streamed, batches(x, ids, sids, ()))
        assert first == pytest.approx(one_shot, abs=1e-9), name
        assert all(isinstance(v, float) for v in first.values()), name
        assert all(describe(k) is not None and describe(k).spec.name == name for k in first)  # type: ignore[union-attr]
        streamed.reset()
        with pytest.raises(CselabError, match=f"{name}: no tokens"):
            streamed.compute()
    with pytest.raises(CselabError, match="self_similarity: not measured at the 'sentence' level"):
        metric("self_similarity", level="sentence")
