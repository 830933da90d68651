"""One pass over a batch: every sum equals its loop over rows, layer by layer."""

from __future__ import annotations

import pytest
import torch
from token_data import random_tokens

from cselab.errors import CselabError
from cselab.geometry.batch import ViewBatch
from cselab.geometry.batch_sums import SUMS, batch_sums, first_occurrences


def layered(seed: int = 3, dtype=torch.float64):
    x, ids, sids = random_tokens(seed=seed, n_sentences=9, d=5, vocab=4, shift=2.0)
    layers = torch.stack([x, 3 * x - 1, x.flip(1)]).to(dtype)  # (3, n, d)
    return layers, ids, sids


def brute(layers, ids, sids, first_only):
    """Per layer, row by row: Σû, Σû², per-sentence Σx and Σû, per-type Σû / seen / used."""
    out = {"unit_sum": [], "unit_squares": [], "sentence_sums": [], "sentence_unit_sums": [],
           "type_unit_sums": []}  # fmt: skip
    sentences, types = sorted(set(sids.tolist())), sorted(set(ids.tolist()))
    firsts = set()
    for t, (w, s) in enumerate(zip(ids.tolist(), sids.tolist(), strict=True)):
        if (w, s) not in {(ids[u].item(), sids[u].item()) for u in range(t)}:
            firsts.add(t)
    for x in layers.double():
        units = [row / row.norm() for row in x]
        out["unit_sum"].append(sum(units))
        out["unit_squares"].append(sum(u * u for u in units))
        out["sentence_sums"].append(torch.stack([
            sum(x[t] for t in range(len(x)) if sids[t] == s) for s in sentences]))  # fmt: skip
        out["sentence_unit_sums"].append(torch.stack([
            sum(units[t] for t in range(len(x)) if sids[t] == s) for s in sentences]))  # fmt: skip
        out["type_unit_sums"].append(torch.stack([
            sum((units[t] for t in range(len(x))
                 if ids[t] == w and (t in firsts or not first_only)), torch.zeros(x.shape[1]))
            for w in types]))  # fmt: skip
    seen = [int((ids == w).sum()) for w in types]
    used = [sum(1 for t in range(len(ids)) if ids[t] == w and (t in firsts or not first_only))
            for w in types]  # fmt: skip
    return {k: torch.stack(v) for k, v in out.items()}, types, seen, used


@pytest.mark.parametrize("first_only", [False, True])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_every_sum_equals_its_loop_over_rows(first_only, dtype) -> None:
    layers, ids, sids = layered(dtype=dtype)
    _, index, counts = torch.unique_consecutive(sids, return_inverse=True, return_counts=True)
    types = "first_types" if first_only else "types"
    got = batch_sums(layers, ("units", "sentences", types), sentence_index=index,
                     n_sentences=len(counts), token_ids=ids, sentence_ids=sids)  # fmt: skip
    want, type_ids, seen, used = brute(layers, ids, sids, first_only)
    tol = {"atol": 1e-12, "rtol": 1e-12} if dtype == torch.float64 else {"atol": 1e-5, "rtol": 1e-5}
    torch.testing.assert_close(got.norms.double(), layers.double().norm(dim=2), **tol)
    for name, value in want.items():
        torch.testing.assert_close(getattr(got, name).double(), value, **tol, msg=name)
    assert got.type_ids.tolist() == type_ids
    assert got.type_seen.tolist() == seen and got.type_used.tolist() == used


def test_only_the_sums_asked_for_are_computed() -> None:
    layers, ids, sids = layered()
    got = batch_sums(layers, ("units",), token_ids=ids, sentence_ids=sids)
    want, *_ = brute(layers, ids, sids, False)
    torch.testing.assert_close(got.unit_sum, want["unit_sum"])  # directly, not via sentences
    assert got.sentence_sums is None and got.type_unit_sums is None and got.type_ids is None
    with pytest.raises(KeyError, match="unknown batch sums"):
        batch_sums(layers, ("cubes",))
    with pytest.raises(KeyError, match="not both"):
        batch_sums(layers, ("types", "first_types"), token_ids=ids, sentence_ids=sids)
    assert set(SUMS) == {"units", "sentences", "types", "first_types"}


def test_a_view_computes_everything_wanted_in_one_pass_and_checks_it() -> None:
    layers, ids, sids = layered()
    view = ViewBatch(layers, ids, sids, wanted=frozenset({"units", "sentences", "types"}))
    first = view.sums(("units",))
    assert first.sentence_sums is not None and first.type_unit_sums is not None
    assert view.sums(("types",)) is first  # cached: one pass
    torch.testing.assert_close(view.norms(), layers.norm(dim=2))
    zero = layers.clone()
    zero[1, 4] = 0.0
    with pytest.raises(CselabError, match=r"1 zero vector"):
        ViewBatch(zero, ids, sids, wanted=frozenset({"units"})).sums(("units",))
    bad = layers.clone()
    bad[2, 0, 1] = float("nan")
    with pytest.raises(CselabError, match=r"NaN or inf \(1 tokens; layer 2\)"):
        ViewBatch(bad, ids, sids, wanted=frozenset({"units"})).check(None)
    bad[0, 3, 0] = float("inf")
    with pytest.raises(CselabError, match=r"NaN or inf \(2 tokens; layers 5, 9\)"):
        ViewBatch(bad, ids, sids, layer_ids=(5, 7, 9)).check(None)  # the model's layer ids


def test_first_occurrences_within_each_sentence() -> None:
    ids = torch.tensor([4, 4, 2, 4, 2, 2])
    sids = torch.tensor([0, 0, 0, 1, 1, 1])
    assert first_occurrences(ids, sids).tolist() == [True, False, True, True, True, False]
