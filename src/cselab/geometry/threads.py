"""The geometry's own work on one thread.

Its operations are small (a 384×384 eigen-decomposition, (L, n, d) copies and sums of a
batch, 1,000²-2,000² Gram matrices): too small to gain much from threads, and on a machine
with more runnable threads than cores the OpenMP/MKL threads wait on each other. On this
project's shared 2-core machine (load average 9-11), measured side by side: one 384×384
``eigvalsh`` 1.5-3.8 s with 2 threads, 0.02-0.03 s with 1; one MiniLM batch's statistics
update 0.43-0.60 s vs 0.12 s; a collect of 7 layers 15.5-16.4 s vs 1.7-2.3 s. The model's
forward pass keeps the caller's threads.

On an idle machine the other choice wins: ``CSELAB_GEOMETRY_THREADS=2`` (the number of
threads for this work; default 1) measured analysis / forward passes 1.64 → 1.40 at 17,256
STS-B sentences and 1.87 → 1.56 at 5,000 (benchmarks/geometry_speed.py, load average < 1).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch

from cselab.errors import CselabError


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run the block with torch's intra-op threads set to ``CSELAB_GEOMETRY_THREADS`` (1),
    then restore them."""
    before = torch.get_num_threads()
    torch.set_num_threads(geometry_threads())
    try:
        yield
    finally:
        torch.set_num_threads(before)


def geometry_threads() -> int:
    """``CSELAB_GEOMETRY_THREADS`` (default 1), checked: a whole number >= 1."""
    text = os.environ.get("CSELAB_GEOMETRY_THREADS", "1")
    if not text.strip().isdigit() or int(text) < 1:
        raise CselabError(f"CSELAB_GEOMETRY_THREADS={text!r}: give a whole number >= 1")
    return int(text)
