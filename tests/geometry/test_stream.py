"""GeometryStream: statistics of parts merged (or saved and reloaded) equal the whole's.

Every family at once, two layers stacked, random data cut at sentence boundaries: the
merged halves (in either order) and a stream resumed from a saved state give the numbers
of one stream over everything -- exactly for the samples, to round-off for the sums.
"""

from __future__ import annotations

import io

import pytest
import torch
from token_data import random_tokens

from cselab.errors import CselabError
from cselab.geometry.batch import ViewBatch
from cselab.geometry.collect import collect
from cselab.geometry.plan import plan_geometry
from cselab.geometry.stream import GeometryBatch, GeometryStream

PLAN = plan_geometry("default", None, (0, 1), levels=("token",))


def data():
    x, ids, sids = random_tokens(seed=30, n_sentences=160, d=8, vocab=5, shift=0.4)
    layers = torch.stack([x, torch.tanh(x) + 0.2])  # (2, n, d)
    starts = torch.nonzero(torch.diff(sids, prepend=sids[:1] - 1)).flatten().tolist()
    return layers, ids, sids, [*starts, len(sids)]


def batches(lo: int, hi: int, every: int = 7):
    """Batches of ``every`` sentences from sentence lo to hi."""
    layers, ids, sids, bounds = data()
    for s in range(lo, hi, every):
        a, b = bounds[s], bounds[min(s + every, hi)]
        view = ViewBatch(layers[:, a:b], ids[a:b], sids[a:b])
        yield GeometryBatch({"token": view}, min(every, hi - s))


def run(stream: GeometryStream, parts) -> GeometryStream:
    for batch in parts:
        stream.update(batch)
    return stream


def table(stream: GeometryStream):
    return collect(stream)[0].set_index(["layer", "metric"])["value"]


def test_merged_parts_and_resumed_state_equal_one_stream() -> None:
    whole = table(run(GeometryStream(PLAN), batches(0, 160)))
    assert len(whole) > 40 and whole.notna().all()
    for order in ((0, 1), (1, 0)):
        parts = [
            run(GeometryStream(PLAN), batches(0, 70)),
            run(GeometryStream(PLAN), batches(70, 160, 5)),
        ]
        merged = GeometryStream(PLAN)
        for i in order:
            merged.merge(parts[i])
        pd_merged = table(merged)
        assert pd_merged.index.equals(whole.index)
        assert (pd_merged - whole).abs().max() < 1e-10
    first = run(GeometryStream(PLAN), batches(0, 70))
    buffer = io.BytesIO()
    torch.save(first.state_dict(), buffer)
    buffer.seek(0)
    resumed = GeometryStream(PLAN)
    resumed.load_state_dict(torch.load(buffer, weights_only=True))
    assert ((table(run(resumed, batches(70, 160))) - whole).abs().max()) < 1e-10
    assert resumed.n_sentences == 160


def test_split_sentences_missing_views_and_other_plans_are_errors() -> None:
    stream = GeometryStream(PLAN)
    batch = next(batches(0, 1))  # one sentence: given twice, it is split
    stream.update(batch)
    with pytest.raises(CselabError, match="sentence .* is split across batches"):
        stream.update(batch)
    with pytest.raises(CselabError, match="batch has no 'token' view"):
        stream.update(GeometryBatch({}, 0))
    other = GeometryStream(plan_geometry("xiao2023", None, (0, 1), levels=("token",)))
    with pytest.raises(CselabError, match="different plans"):
        stream.merge(other)
    with pytest.raises(CselabError, match="another plan"):
        other.load_state_dict(stream.state_dict())
