"""Protocol presets and validation."""

from __future__ import annotations

import pytest

from cselab.errors import CselabError
from cselab.geometry.protocols import PROTOCOLS, Protocol, get_protocol


def test_xiao2023_preset_matches_the_papers_code() -> None:
    p = get_protocol("xiao2023")
    assert p.include_special and p.padding_in_self_similarity and p.first_occurrence_only
    assert p.pad_to == "corpus"  # the numbers of corpus padding (computed at length + 1)
    assert p.sort_by_length  # the paper feeds sentences in order; no number depends on it
    assert p.self_similarity_min_count == 5
    assert p.baseline == "sampled" and p.anisotropy_sample_sentences == 1000


def test_default_preset_is_padding_free() -> None:
    p = get_protocol("default")
    assert not p.include_special and not p.padding_in_self_similarity
    assert p.pad_to == "batch" and p.sort_by_length and p.baseline == "exact"
    assert set(PROTOCOLS) == {"default", "xiao2023"}


def test_unknown_preset_lists_choices() -> None:
    with pytest.raises(CselabError, match=r"unknown protocol 'paper'.*\['default', 'xiao2023'\]"):
        get_protocol("paper")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"baseline": "median"}, "baseline='median'"),
        ({"pad_to": "page"}, "pad_to='page'"),
        ({"batch_size": 0}, "batch_size=0"),
        ({"self_similarity_min_count": 0}, "self_similarity_min_count=0"),
        ({"max_length": 1}, "max_length=1"),
        ({"sample_size": 2}, "sample_size=2 must be >= 3"),
        (
            {"padding_in_self_similarity": True, "first_occurrence_only": True},
            "needs pad_to='corpus'",
        ),
        ({"padding_in_self_similarity": True}, "needs first_occurrence_only=True"),
        ({"partition_basis": "pca"}, "partition_basis='pca'"),
        ({"dimension_aggregation": "sum"}, "dimension_aggregation='sum'"),
        ({"informativity_ks": (1, -2)}, r"informativity_ks=\(1, -2\) must be integers >= 0"),
    ],
)
def test_bad_choices_are_named(changes: dict, message: str) -> None:
    with pytest.raises(CselabError, match=message):
        Protocol(**changes)


def test_with_options_overrides_and_rejects_unknown() -> None:
    p = get_protocol("xiao2023").with_options(batch_size=8, seed=None)
    assert p.batch_size == 8 and p.seed == 0 and p.name == "xiao2023"
    with pytest.raises(CselabError, match="unknown protocol option"):
        p.with_options(colour="red")
