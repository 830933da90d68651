"""One layer's metric set: a shared reservoir sample and float32 products where they apply."""

from __future__ import annotations

import brute_force as bf
import pytest
import torch
from token_data import batches, random_tokens, stream

from cselab.geometry.informativity import Informativity
from cselab.geometry.metric_set import build_sentence_metrics, build_token_metrics
from cselab.geometry.protocols import PROTOCOLS
from cselab.geometry.spectrum import Spectrum
from cselab.geometry.uniformity import Uniformity

SAMPLED = ["informativity", "uniformity", "spectrum"]


def feed(metrics, parts) -> dict[str, dict[str, float]]:
    for part in parts:
        for metric in metrics.values():
            metric.update(part)
    return {name: metric.compute() for name, metric in metrics.items()}


def test_shared_sample_equals_separate_samples() -> None:
    x, ids, sids = random_tokens(seed=21, n_sentences=500, d=8)
    protocol = PROTOCOLS["default"]
    [group] = build_token_metrics(protocol, SAMPLED)
    shared = group.metrics
    assert shared["informativity"].sample is shared["uniformity"].sample
    assert shared["uniformity"].sample is shared["spectrum"].sample
    assert len(x) > 2000  # the 1000-row informativity sample is a strict prefix
    separate = {
        "informativity": Informativity(seed=protocol.seed),
        "uniformity": Uniformity(seed=protocol.seed),
        "spectrum": Spectrum(seed=protocol.seed),
    }
    got = feed(shared, list(batches(x, ids, sids)))
    want = feed(separate, list(batches(x, ids, sids)))
    for name in SAMPLED:
        assert got[name] == pytest.approx(want[name], abs=1e-12), name
    assert len(shared["informativity"].sample) == 2000  # one sample, the largest capacity
    for metric in shared.values():
        metric.reset()
    assert len(shared["uniformity"].sample) == 0


def test_sentence_metrics_share_too() -> None:
    metrics = build_sentence_metrics(PROTOCOLS["xiao2023"], SAMPLED)
    assert metrics["informativity"].sample is metrics["spectrum"].sample


def test_float32_vectors_use_float32_products_within_float32_error() -> None:
    x, ids, sids = random_tokens(seed=22, n_sentences=60, d=16, shift=2.0)
    single = x.float()  # as a float32 model gives them; the references stay float64
    got_u = stream(Uniformity(t=2.0), batches(single, ids, sids))["uniformity"]
    got_p = stream(Spectrum(), batches(single, ids, sids))["partition_isotropy"]
    assert got_u == pytest.approx(bf.uniformity(x, 2.0), abs=1e-5)
    assert got_p == pytest.approx(bf.partition_isotropy(x), rel=1e-4)
    got_i = stream(Informativity(ks=(1, 2, 5, 12)), batches(single, ids, sids))
    assert got_i == pytest.approx(bf.informativity(x, (1, 2, 5, 12)), abs=1e-5)
    metric = Uniformity()
    metric.update(next(iter(batches(single, ids, sids))))
    assert metric.sample.source_dtype == torch.float32


def test_protocol_sample_size_reaches_every_sampled_metric() -> None:
    x, ids, sids = random_tokens(seed=22, n_sentences=40, d=8)
    protocol = PROTOCOLS["default"].with_options(sample_size=25)
    [group] = build_token_metrics(protocol, SAMPLED)
    assert [group.metrics[name].n_samples for name in SAMPLED] == [25, 25, 25]  # type: ignore[attr-defined]
    got = feed(group.metrics, list(batches(x, ids, sids)))
    rows = x[bf.sampled_tokens(sids, 25, seed=protocol.seed)]
    assert got["uniformity"]["uniformity"] == pytest.approx(bf.uniformity(rows), abs=1e-10)
    [default] = build_token_metrics(PROTOCOLS["default"], SAMPLED)
    assert [default.metrics[name].n_samples for name in SAMPLED] == [1000, 2000, 2000]  # type: ignore[attr-defined]
