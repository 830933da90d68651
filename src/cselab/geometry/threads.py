"""Small LAPACK calls on one thread.

The eigen-decompositions of d×d matrices (d = 384 for MiniLM) are too small to gain from
threads, and on a machine with more runnable threads than cores MKL's threads wait on each
other: on this project's shared 2-core machine one 384×384 ``eigvalsh`` took 1.5-3.8 s with
2 threads and 0.02-0.03 s with 1 (measured side by side, load average 9).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run the block with torch's intra-op threads set to 1, then restore them."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
