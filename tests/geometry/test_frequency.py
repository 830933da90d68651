"""Frequency bias: per-token tables, SSC (Xiao et al. 2023, eq. 10), the correlation curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr

from cselab.errors import CselabError
from cselab.geometry.frequency import (
    best_n,
    extreme_ssc_tokens,
    per_token_table,
    self_similarity_change,
    ssc_correlation_curve,
)

NAMES = {1: "the", 2: "a", 3: "cat", 4: "dog", 5: "##s"}


def table(per_token: dict[int, tuple[int, float]], top_n: int | None = None) -> pd.DataFrame:
    return per_token_table(per_token, NAMES.__getitem__, top_n)


def test_per_token_table_ranks_by_frequency() -> None:
    frame = table({3: (5, 0.5), 1: (9, 0.2), 2: (9, 0.3), 4: (6, 0.9)}, top_n=3)
    assert frame["token"].tolist() == ["a", "the", "dog"]  # ties by token string
    assert frame["rank"].tolist() == [1, 2, 3]
    assert frame["self_similarity"].tolist() == [0.3, 0.2, 0.9]
    with pytest.raises(CselabError, match="no token type reached"):
        table({})


def test_ssc_is_adjusted_finetuned_minus_adjusted_vanilla() -> None:
    vanilla = table({1: (9, 0.6), 2: (7, 0.5), 3: (5, 0.4)})
    finetuned = table({1: (9, 0.3), 2: (7, 0.9), 4: (5, 0.1)})
    ssc = self_similarity_change(vanilla, finetuned, ani_vanilla=0.4, ani_finetuned=0.1)
    assert ssc["token"].tolist() == ["the", "a"]  # "cat" and "dog" are not in both
    expected = [(0.3 - 0.1) - (0.6 - 0.4), (0.9 - 0.1) - (0.5 - 0.4)]
    np.testing.assert_allclose(ssc["ssc"], expected)
    with pytest.raises(CselabError, match="share no measured token"):
        self_similarity_change(table({3: (5, 0.4)}), table({4: (5, 0.4)}), 0.0, 0.0)


def ssc_frame(tokens: list[str], values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"token": tokens, "ssc": values})


def test_correlation_curve_equals_scipy_over_each_prefix() -> None:
    rng = np.random.default_rng(0)
    tokens = [f"t{i}" for i in range(40)]
    a = rng.normal(size=40)
    b = a + rng.normal(scale=0.7, size=40)
    pair_b = ssc_frame(tokens[::-1], b[::-1])  # order of B must not matter
    curve = ssc_correlation_curve(ssc_frame(tokens, a), pair_b, max_n=30)
    assert curve["n"].tolist() == list(range(2, 31))
    for n, r in zip(curve["n"], curve["pearson"], strict=True):
        assert r == pytest.approx(pearsonr(a[:n], b[:n]).statistic, abs=1e-12)
    n_best, r_best = best_n(curve, min_n=5)
    eligible = curve[curve["n"] >= 5]
    assert r_best == pytest.approx(eligible["pearson"].max())
    assert n_best == int(eligible.loc[eligible["pearson"].idxmax(), "n"])


def test_correlation_curve_errors() -> None:
    with pytest.raises(CselabError, match="share 1 measured token"):
        ssc_correlation_curve(ssc_frame(["x"], np.ones(1)), ssc_frame(["x"], np.ones(1)))
    flat = ssc_frame(["x", "y", "z"], np.ones(3))
    with pytest.raises(CselabError, match="undefined for every n"):
        ssc_correlation_curve(flat, flat)
    curve = ssc_correlation_curve(
        ssc_frame(["x", "y", "z"], np.arange(3.0)), ssc_frame(["x", "y", "z"], np.arange(3.0))
    )
    with pytest.raises(CselabError, match="no n >= 10"):
        best_n(curve)


def test_extreme_tokens() -> None:
    ssc = pd.DataFrame(
        {"token": list("abcde"), "count": [5] * 5, "ssc": [0.1, -0.4, 0.3, -0.1, 0.0]}
    )
    out = extreme_ssc_tokens(ssc, k=2)
    assert out[out.direction == "positive"]["token"].tolist() == ["c", "a"]
    assert out[out.direction == "negative"]["token"].tolist() == ["b", "d"]
    assert out["place"].tolist() == [1, 2, 1, 2]


def test_extreme_tokens_keep_to_their_sign() -> None:
    ssc = pd.DataFrame({"token": list("abcd"), "count": [5] * 4, "ssc": [-0.1, -0.4, -0.3, 0.2]})
    out = extreme_ssc_tokens(ssc, k=3)
    assert out[out.direction == "positive"]["token"].tolist() == ["d"]
    assert out[out.direction == "negative"]["token"].tolist() == ["b", "c", "a"]
    with pytest.raises(CselabError, match="k=0 must be >= 1"):
        extreme_ssc_tokens(ssc, k=0)


def test_top_n_below_one_is_an_error() -> None:
    with pytest.raises(CselabError, match="top_n=0: give at least 1"):
        per_token_table({1: (5, 0.5), 2: (6, 0.4)}, str, top_n=0)
