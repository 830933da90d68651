"""The threads of the geometry's own work (statistics updates and collect).

The geometry's own operations are small (passes over one layer's rows, index additions,
a 384×384 eigen-decomposition) and run on one thread; the matrix products (the scatter's,
most of its arithmetic, and the Gram matrices of the sampled metrics) run on the caller's
threads (torch's intra-op threads as the forward pass uses them).
``CSELAB_GEOMETRY_THREADS=N`` puts all of it on N threads: 2 is fastest on an idle 2-core
machine (analysis / forward passes 1.36 against 1.42 at 17,256 STS-B sentences).

Why the split (this project's 2-core machine): small operations on two threads are slow
whenever the machine is loaded beyond its cores, because OpenMP's threads wait on each
other — at load average 3-4 a 400-sentence `cselab geometry` run in batches of 8 took 45 s
on two threads against 2.1 s on one, a 13×24 `index_add_` 1.25 ms against 0.004 ms, and at
load average 9-11 a 384×384 ``eigvalsh`` 1.5-3.8 s against 0.02-0.03 s. The products gain
from the cores when the machine is idle (0.63 s on one thread, 0.34 s on two, for 5,000
STS-B sentences' batches). With three busy loops on the two cores, 400 sentences took
8.0-8.6 s beyond the forward passes with everything on two threads, 2.0-2.6 s on one and
2.7-3.7 s split. Measured ratios are in docs/geometry.md#benchmark.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator

import torch

from cselab.errors import CselabError

_CALLER: contextvars.ContextVar[int | None] = contextvars.ContextVar("caller", default=None)


@contextlib.contextmanager
def threads_for_geometry() -> Iterator[None]:
    """Run the block on ``CSELAB_GEOMETRY_THREADS`` threads (default 1), then restore the
    caller's; :func:`threads_for_products` inside it returns to the caller's threads."""
    chosen = geometry_threads()
    before = torch.get_num_threads()
    token = _CALLER.set(_CALLER.get() or before)  # the outermost caller's
    torch.set_num_threads(chosen or 1)
    try:
        yield
    finally:
        _CALLER.reset(token)
        torch.set_num_threads(before)


@contextlib.contextmanager
def threads_for_products() -> Iterator[None]:
    """Run large matrix products on the caller's threads (``CSELAB_GEOMETRY_THREADS`` when
    set), then restore."""
    chosen = geometry_threads()
    before = torch.get_num_threads()
    torch.set_num_threads(chosen or _CALLER.get() or before)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def geometry_threads() -> int | None:
    """``CSELAB_GEOMETRY_THREADS``, checked: a whole number from 1 to the machine's CPU
    count; None when unset or empty."""
    text = os.environ.get("CSELAB_GEOMETRY_THREADS", "").strip()
    if not text:
        return None
    cpus = os.cpu_count() or 1
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= cpus:
        raise CselabError(
            f"CSELAB_GEOMETRY_THREADS={text!r}: give a whole number from 1 to {cpus} "
            "(the CPUs of this machine)"
        )
    return int(text)
