"""The geometry's own work runs on CSELAB_GEOMETRY_THREADS threads (the caller's by default)."""

from __future__ import annotations

import pytest
import torch

from cselab.errors import CselabError
from cselab.geometry.threads import threads_for_geometry


@pytest.mark.parametrize("value", [None, "1", "2"])
def test_threads_inside_and_restored(monkeypatch, value) -> None:
    if value is None:
        monkeypatch.delenv("CSELAB_GEOMETRY_THREADS", raising=False)
    else:
        monkeypatch.setenv("CSELAB_GEOMETRY_THREADS", value)
    before = torch.get_num_threads()
    with threads_for_geometry():
        assert torch.get_num_threads() == (before if value is None else int(value))
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("value", ["0", "two", "-1", ""])
def test_a_bad_value_is_named(monkeypatch, value) -> None:
    monkeypatch.setenv("CSELAB_GEOMETRY_THREADS", value)
    with pytest.raises(CselabError, match="CSELAB_GEOMETRY_THREADS"), threads_for_geometry():
        pass
