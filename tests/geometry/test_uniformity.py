"""Uniformity and alignment (Wang & Isola 2020) vs double loops."""

from __future__ import annotations

import math

import brute_force as bf
import pytest
import torch
from token_data import batches, metric, random_tokens, stream, tiny_bert_tokens

from cselab.errors import CselabError
from cselab.geometry.uniformity import alignment, uniformity


def test_exact_when_small_and_sampled_when_large(tiny_model) -> None:
    for x, ids, sids in (random_tokens(seed=15), tiny_bert_tokens(tiny_model)):
        got = stream(metric("uniformity", uniformity_t=1.5), batches(x, ids, sids))
        assert got["uniformity"] == pytest.approx(bf.uniformity(x, 1.5), abs=1e-10)
        assert uniformity(x, 1.5) == pytest.approx(bf.uniformity(x, 1.5), abs=1e-10)
        sampled = stream(metric("uniformity", sample_size=20, seed=3), batches(x, ids, sids))
        ref = bf.uniformity(x[bf.sampled_tokens(sids, 20, seed=3)])
        assert sampled["uniformity"] == pytest.approx(ref, abs=1e-10)


def test_alignment_and_known_cases() -> None:
    x, _, _ = random_tokens(seed=16)
    y = x + 0.1 * torch.randn_like(x)
    assert alignment(x, y, alpha=3) == pytest.approx(bf.alignment(x, y, 3), abs=1e-10)
    assert alignment(x, 2 * x) == pytest.approx(0.0)
    same = torch.ones(4, 3)
    assert uniformity(same) == pytest.approx(0.0)  # log mean exp(0)
    antipodal = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    assert uniformity(antipodal, t=2) == pytest.approx(-8.0)  # ‖x−y‖² = 4


def test_seeds_reset_and_bad_input() -> None:
    x, ids, sids = random_tokens(seed=17, n_sentences=30)
    runs = [
        stream(metric("uniformity", sample_size=15, seed=s), batches(x, ids, sids))
        for s in (5, 5, 6)
    ]
    assert runs[0] == runs[1] != runs[2]
    streamed = metric("uniformity")
    streamed.reset()
    with pytest.raises(CselabError, match="uniformity: no tokens"):
        streamed.compute()
    with pytest.raises(CselabError, match=r"x of shape \(2, 2\) and y of shape \(3, 2\) differ"):
        alignment(torch.ones(2, 2), torch.ones(3, 2))


@pytest.mark.parametrize("t", [2.0, 60.0])
def test_row_blocks_equal_all_pairs(t: float) -> None:
    """The blocked sum over pairs (each pair across blocks computed once) equals the double
    loop, also when exp(−t‖x̂ − ŷ‖²) underflows float32 (large t)."""
    from cselab.geometry.uniformity import _log_sum_exp_pairs

    x, _, _ = random_tokens(seed=18, shift=0.6)
    units = torch.nn.functional.normalize(x.double(), dim=1)
    n = len(units)
    for block in (1, 7, n, 2 * n):
        got = _log_sum_exp_pairs(units, t, block=block) - math.log(n * (n - 1))
        assert got == pytest.approx(bf.uniformity(x, t), abs=1e-10)
    single = _log_sum_exp_pairs(units.float(), t, block=7) - math.log(n * (n - 1))
    assert single == pytest.approx(bf.uniformity(x, t), rel=1e-5)
