"""The plan: one statistic per need, one token sample sized for the largest reader."""

from __future__ import annotations

import brute_force as bf
import pytest
import torch
from token_data import batches, metric, random_tokens, stream

from cselab.errors import CselabError
from cselab.geometry.plan import plan_geometry, resolve_layers
from cselab.geometry.protocols import PROTOCOLS
from cselab.geometry.stream import MetricStream

SAMPLED = ["informativity", "uniformity", "spectrum"]


def test_statistics_are_shared_and_the_sample_is_the_largest_need() -> None:
    plan = plan_geometry("default", None, (0, 1))
    assert plan.statistics("token") == {
        "moments": 0, "sentence_sample": 0, "type_sums": 0, "intra": 0, "token_sample": 2000,
        "scatter": 0,
    }  # fmt: skip
    assert "type_sums" not in plan.statistics("sentence")
    assert plan.families_at("sentence") == (
        "anisotropy", "l2_norm", "dimensions", "informativity", "isoscore", "spectrum",
        "uniformity",
    )  # fmt: skip
    small = plan_geometry(PROTOCOLS["default"].with_options(sample_size=25), SAMPLED, (0,))
    assert small.statistics("token")["token_sample"] == 25
    assert plan_geometry("default", ["informativity"], (0,)).statistics("token") == {
        "token_sample": 1000
    }
    xiao = plan_geometry("xiao2023", ["informativity"], (0,))  # ranked by self-similarity
    assert set(xiao.statistics("token")) == {"token_sample", "type_sums"}
    assert set(xiao.statistics("sentence")) == {"token_sample"}
    assert plan_geometry("default", ["self_similarity"], (0,)).levels == ("token",)
    assert resolve_layers([-1, 0], 3) == (0, 2)
    with pytest.raises(CselabError, match=r"layers \[5\]: choose from 0..2"):
        resolve_layers([5], 3)


def test_one_shared_sample_equals_separate_samples() -> None:
    x, ids, sids = random_tokens(seed=21, n_sentences=500, d=8)
    assert len(x) > 2000  # the 1000-row informativity sample is a strict prefix
    shared = MetricStream("informativity")
    shared.plan = plan_geometry("default", SAMPLED, (0,), levels=("token",))
    shared.reset()
    got_shared = stream(shared, batches(x, ids, sids))
    alone = stream(metric("informativity"), batches(x, ids, sids))
    assert got_shared == pytest.approx(alone, abs=1e-12)
    assert len(shared.stream.statistics["token"]["token_sample"]) == 2000  # type: ignore[arg-type]


def test_float32_vectors_use_float32_products_within_float32_error() -> None:
    x, ids, sids = random_tokens(seed=22, n_sentences=60, d=16, shift=2.0)
    single = x.float()  # as a float32 model gives them; the references stay float64
    got_u = stream(metric("uniformity"), batches(single, ids, sids))["uniformity"]
    got_p = stream(metric("spectrum"), batches(single, ids, sids))["partition_isotropy"]
    assert got_u == pytest.approx(bf.uniformity(x, 2.0), abs=1e-5)
    assert got_p == pytest.approx(bf.partition_isotropy(x), rel=1e-4)
    got_i = stream(
        metric("informativity", informativity_ks=(1, 2, 5, 12)), batches(single, ids, sids)
    )
    assert got_i == pytest.approx(bf.informativity(x, (1, 2, 5, 12)), abs=1e-5)
    streamed = metric("uniformity")
    streamed.update(next(iter(batches(single, ids, sids))))
    assert streamed.values()["token_sample"].precision == torch.float32


def test_protocol_sample_size_reaches_every_sampled_metric() -> None:
    x, ids, sids = random_tokens(seed=22, n_sentences=40, d=8)
    got = stream(metric("uniformity", sample_size=25), batches(x, ids, sids))
    rows = x[bf.sampled_tokens(sids, 25, seed=0)]
    assert got["uniformity"] == pytest.approx(bf.uniformity(rows), abs=1e-10)
