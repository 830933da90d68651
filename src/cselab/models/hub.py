"""Whether the Hugging Face hub can be reached, asked once and quickly.

Without ``HF_HUB_OFFLINE=1``, loading a hub id on a machine without network makes
``huggingface_hub`` retry every file with back-off (minutes of "Retrying in 8s" lines)
before it falls back to the cache. One TCP connection attempt to the hub's host (a few
seconds at most) tells cselab to read the local cache only instead.
"""

from __future__ import annotations

import functools
import os
import socket
from urllib.parse import urlparse

DEFAULT_ENDPOINT = "https://huggingface.co"
TRUE_VALUES = ("1", "true", "yes", "on")


def offline_requested() -> bool:
    """True when ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) switches the hub off."""
    return any(
        os.environ.get(name, "").strip().lower() in TRUE_VALUES
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


@functools.cache
def _connects(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:  # no DNS, refused, unreachable, timed out
        return False


def hub_reachable(timeout: float = 3.0) -> bool:
    """True when the hub (``HF_ENDPOINT``, default huggingface.co) accepts a connection and
    the hub is not switched off; the answer is kept for the process."""
    if offline_requested():
        return False
    url = urlparse(os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT)
    port = url.port or (80 if url.scheme == "http" else 443)
    return _connects(url.hostname or "", port, timeout)
