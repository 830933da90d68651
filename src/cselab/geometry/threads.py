"""The threads of the geometry's own work (statistics updates and collect).

By default the geometry's own work runs on torch's intra-op threads as the caller set them
(all cores unless changed), like the model's forward pass. ``CSELAB_GEOMETRY_THREADS=N``
sets N threads for it (the forward pass keeps the caller's).

Measured with benchmarks/geometry_speed.py on this project's idle 2-core machine (load
average < 1.5; all-MiniLM-L6-v2, default protocol, all metrics; analysis / its forward
passes at 1,379 / 5,000 / 17,256 STS-B sentences): 1 thread 2.01 / 1.62 / 1.48, 2 threads
1.62 / 1.43 / 1.33 — the scatter's matrix products, most of the work, scale with the cores.
On a machine with more runnable threads than cores the choice reverses, because OpenMP's
threads wait on each other: at load average 9-11 one 384×384 ``eigvalsh`` took 1.5-3.8 s
with 2 threads and 0.02-0.03 s with 1; set ``CSELAB_GEOMETRY_THREADS=1`` there.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch

from cselab.errors import CselabError


@contextlib.contextmanager
def threads_for_geometry() -> Iterator[None]:
    """Run the block with torch's intra-op threads set to ``CSELAB_GEOMETRY_THREADS`` (when
    set), then restore them."""
    chosen = geometry_threads()
    before = torch.get_num_threads()
    if chosen is not None:
        torch.set_num_threads(chosen)
    try:
        yield
    finally:
        if chosen is not None:
            torch.set_num_threads(before)


def geometry_threads() -> int | None:
    """``CSELAB_GEOMETRY_THREADS``, checked (a whole number >= 1); None when unset (the
    caller's threads)."""
    text = os.environ.get("CSELAB_GEOMETRY_THREADS")
    if text is None:
        return None
    if not text.strip().isdigit() or int(text) < 1:
        raise CselabError(f"CSELAB_GEOMETRY_THREADS={text!r}: give a whole number >= 1")
    return int(text)
