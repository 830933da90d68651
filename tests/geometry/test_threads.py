"""Small geometry operations on one thread, its matrix products on the caller's threads;
CSELAB_GEOMETRY_THREADS=N puts all of it on N."""

from __future__ import annotations

import os

import pytest
import torch

from cselab.errors import CselabError
from cselab.geometry.threads import threads_for_geometry, threads_for_products


@pytest.mark.parametrize("value", [None, "", "1", "2"])
def test_threads_inside_and_restored(monkeypatch, value) -> None:
    if value is None:
        monkeypatch.delenv("CSELAB_GEOMETRY_THREADS", raising=False)
    else:
        monkeypatch.setenv("CSELAB_GEOMETRY_THREADS", value)
    chosen = int(value) if value else None
    before = torch.get_num_threads()
    with threads_for_geometry():
        assert torch.get_num_threads() == (chosen or 1)
        with threads_for_geometry(), threads_for_products():  # nested: the outermost caller's
            assert torch.get_num_threads() == (chosen or before)
        assert torch.get_num_threads() == (chosen or 1)
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("value", ["0", "two", "-1", "1.5", "²", str((os.cpu_count() or 1) + 1)])
def test_a_bad_value_is_named(monkeypatch, value) -> None:
    monkeypatch.setenv("CSELAB_GEOMETRY_THREADS", value)
    with pytest.raises(CselabError, match="CSELAB_GEOMETRY_THREADS"), threads_for_geometry():
        pass


def test_a_bad_value_is_named_before_the_model_loads(monkeypatch) -> None:
    from cselab.geometry.analysis import analyze_geometry

    monkeypatch.setenv("CSELAB_GEOMETRY_THREADS", "abc")
    with pytest.raises(CselabError, match="CSELAB_GEOMETRY_THREADS='abc'"):
        analyze_geometry("/no/such/model", ["a sentence"])  # the model error would come later
