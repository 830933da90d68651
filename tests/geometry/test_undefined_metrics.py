"""The pipeline leaves out a metric that is undefined on the input, with a warning."""

from __future__ import annotations

import math

import pytest

from cselab.geometry.analysis import analyze_geometry
from cselab.geometry.registry import METRICS
from cselab.geometry.spec import MetricSpec, Output


def half_defined(stats, protocol) -> dict[str, float]:
    """A metric with one value that is NaN on every input."""
    return {"defined_value": 1.5, "undefined_value": float("nan")}


HALF_DEFINED = MetricSpec(
    "anisotropy", ("moments",), half_defined,
    (Output("defined_value", "x", "isotropy"), Output("undefined_value", "y", "isotropy")),
)  # fmt: skip


def test_no_type_reaching_min_count_skips_self_similarity(tiny_model) -> None:
    sentences = ["a cat sat .", "one dog ran ."]  # no word occurs 5 times
    with pytest.warns(UserWarning, match=r"layer 2: self_similarity skipped: .*>= 5 occurrences"):
        result = analyze_geometry(
            tiny_model, sentences, metrics=["self_similarity", "l2_norm"], layers=[2]
        )
    metrics = set(result.table["metric"])
    assert "l2_norm" in metrics and "sentence_l2_norm" in metrics
    assert not {m for m in metrics if m.startswith("self_similarity")}
    assert result.per_token[2] == {}
    assert not result.table["value"].isna().any()


def test_nan_values_are_left_out_with_a_warning(tiny_model, monkeypatch) -> None:
    monkeypatch.setitem(METRICS, "anisotropy", HALF_DEFINED)
    with pytest.warns(UserWarning) as caught:
        result = analyze_geometry(
            tiny_model, ["a cat sat .", "a dog ran ."], metrics=["anisotropy"], layers=[1, 2]
        )
    messages = [str(w.message) for w in caught]
    for layer in (1, 2):
        assert f"layer {layer}: undefined_value undefined (NaN) on this input; skipped" in messages
        assert f"layer {layer}: sentence_undefined_value undefined (NaN)" in " ".join(messages)
    assert set(result.table["metric"]) == {"defined_value", "sentence_defined_value"}
    assert not any(math.isnan(v) for v in result.table["value"])


def test_xiao2023_ranks_informativity_by_self_similarity_shares(tiny_model) -> None:
    from cselab.geometry.protocols import get_protocol

    sentences = ["the cat sat on the mat .", "the dog and the cat .", "the the the end ."] * 3
    runs = {
        ranking: analyze_geometry(
            tiny_model, sentences, protocol=get_protocol("xiao2023").with_options(
                informativity_ranking=ranking
            ), metrics=["self_similarity", "informativity"], layers=[2], sentence_metrics=False,
        ).table.set_index("metric")["value"]
        for ranking in ("sample", "self_similarity")
    }  # fmt: skip
    assert get_protocol("xiao2023").informativity_ranking == "self_similarity"
    alone = analyze_geometry(  # informativity reads the shares itself: no self_similarity needed
        tiny_model, sentences, protocol="xiao2023", metrics=["informativity"], layers=[2],
        sentence_metrics=False,
    ).table.set_index("metric")["value"]  # fmt: skip
    assert alone.equals(runs["self_similarity"].filter(like="informativity"))
    same = [m for m in runs["sample"].index if not m.startswith("informativity")]
    assert runs["sample"][same].equals(runs["self_similarity"][same])
    assert (
        not runs["sample"]
        .filter(like="informativity")
        .equals(runs["self_similarity"].filter(like="informativity"))
    )
