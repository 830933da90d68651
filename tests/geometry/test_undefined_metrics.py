"""The pipeline leaves out a metric that is undefined on the input, with a warning."""

from __future__ import annotations

import math

import pytest

from cselab.geometry import metric_set
from cselab.geometry.analysis import analyze_geometry


class HalfDefined:
    """A metric with one value that is NaN on every input."""

    def update(self, batch) -> None:
        pass

    def reset(self) -> None:
        pass

    def compute(self) -> dict[str, float]:
        return {"defined_value": 1.5, "undefined_value": float("nan")}


def test_no_type_reaching_min_count_skips_self_similarity(tiny_model) -> None:
    sentences = ["a cat sat .", "one dog ran ."]  # no word occurs 5 times
    with pytest.warns(UserWarning, match=r"layer 2: self_similarity skipped: .*>= 5 occurrences"):
        result = analyze_geometry(
            tiny_model, sentences, metrics=["self_similarity", "norms"], layers=[2]
        )
    metrics = set(result.table["metric"])
    assert "l2_norm" in metrics and "sentence_l2_norm" in metrics
    assert not {m for m in metrics if m.startswith("self_similarity")}
    assert result.per_token[2] == {}
    assert not result.table["value"].isna().any()


def test_nan_values_are_left_out_with_a_warning(tiny_model, monkeypatch) -> None:
    monkeypatch.setattr(metric_set, "FACTORIES", {"anisotropy": lambda p: HalfDefined()})
    monkeypatch.setattr(metric_set, "SENTENCE_FAMILIES", ("anisotropy",))
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
    from cselab.errors import CselabError
    from cselab.geometry.protocols import get_protocol

    with pytest.raises(CselabError, match="ranks informativity by self-similarity"):
        analyze_geometry(tiny_model, ["a cat ."], protocol="xiao2023", metrics=["informativity"])
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
    same = [m for m in runs["sample"].index if not m.startswith("informativity")]
    assert runs["sample"][same].equals(runs["self_similarity"][same])
    assert (
        not runs["sample"]
        .filter(like="informativity")
        .equals(runs["self_similarity"].filter(like="informativity"))
    )
