"""METRICS / make_metrics: every metric honours the StreamingMetric contract."""

from __future__ import annotations

import pytest
from token_data import batches, random_tokens, stream

from cselab.errors import CselabError
from cselab.geometry import METRICS, make_metrics

EXPECTED = {"anisotropy", "self_similarity", "intra_sentence", "l2_norm", "dimensions",
            "informativity", "isoscore", "spectrum", "uniformity"}  # fmt: skip


def test_registry_names_and_fresh_instances() -> None:
    assert set(METRICS) == EXPECTED
    a, b = make_metrics(), make_metrics()
    assert set(a) == EXPECTED
    assert all(a[name] is not b[name] for name in a)


def test_every_metric_streams_resets_and_rejects_empty_input() -> None:
    x, ids, sids = random_tokens(seed=18, n_sentences=30, vocab=4)
    for name, metric in make_metrics(seed=3).items():
        first = stream(metric, batches(x, ids, sids))
        one_shot = stream(metric, batches(x, ids, sids, ()))
        assert first == pytest.approx(one_shot, abs=1e-9), name
        assert all(isinstance(v, float) for v in first.values()), name
        metric.reset()
        with pytest.raises(CselabError, match="no tokens"):
            metric.compute()


def test_options_reach_the_classes_that_take_them() -> None:
    metrics = make_metrics(["anisotropy", "uniformity"], seed=7, n_samples=50)
    assert metrics["anisotropy"].seed == metrics["uniformity"].seed == 7
    assert metrics["uniformity"].n_samples == 50
    with pytest.raises(CselabError, match=r"unknown metric\(s\) \['colour'\]"):
        make_metrics(["colour"])
    with pytest.raises(CselabError, match=r"option\(s\) \['temperature'\] are taken by none"):
        make_metrics(["l2_norm"], temperature=0.1)
