"""The geometry's own work on one thread.

Its operations are small (a 384×384 eigen-decomposition, (L, n, d) copies and sums of a
batch, 1,000²-2,000² Gram matrices): too small to gain much from threads, and on a machine
with more runnable threads than cores the OpenMP/MKL threads wait on each other. On this
project's shared 2-core machine (load average 9-11), measured side by side: one 384×384
``eigvalsh`` 1.5-3.8 s with 2 threads, 0.02-0.03 s with 1; one MiniLM batch's statistics
update 0.43-0.60 s vs 0.12 s; a collect of 7 layers 15.5-16.4 s vs 1.7-2.3 s. The model's
forward pass keeps the caller's threads.
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
