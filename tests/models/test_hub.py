"""Whether the hub can be reached: the offline switches, and one quick connection."""

from __future__ import annotations

import socket

import pytest

from cselab.models import hub


@pytest.fixture(autouse=True)
def no_offline_switches(monkeypatch):
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    hub._connects.cache_clear()


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_offline_switch_means_unreachable_without_trying(monkeypatch, value) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", value)
    monkeypatch.setattr(hub, "_connects", lambda *a: pytest.fail("must not connect"))
    assert hub.offline_requested() and not hub.hub_reachable()


def test_endpoint_that_accepts_a_connection_is_reachable(monkeypatch) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.getsockname()[1]}")
        assert hub.hub_reachable(timeout=2.0)


def test_endpoint_that_refuses_is_unreachable(monkeypatch) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    assert not hub.hub_reachable(timeout=2.0)
