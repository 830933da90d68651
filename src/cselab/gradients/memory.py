"""Refuse a gradient grid whose arrays cannot fit in memory, before any work is done.

A grid cell holds a float64 cosine matrix of ``rows × (1 + negatives)`` entries; computing
its parts and summaries keeps several copies of that size alive at once (measured peak:
6 (InfoNCE) to 10 (MPT, MAT) copies), so a cell needs about ``WORKING_COPIES`` times it.
"""

from __future__ import annotations

import os
from pathlib import Path

from cselab.errors import CselabError

WORKING_COPIES = 12
BYTES_PER_VALUE = 8  # float64


def cell_bytes(rows: int, negatives: int) -> int:
    """Estimated peak bytes of one cell of ``rows`` anchors with ``negatives`` negatives."""
    return WORKING_COPIES * BYTES_PER_VALUE * rows * (1 + negatives)


def available_memory() -> int | None:
    """Bytes of memory available now (Linux ``MemAvailable``; else physical memory; None)."""
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def human_bytes(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if count < 1000 or unit == "TB":
            return f"{count:.3g} {unit}"
        count /= 1000
    raise AssertionError("unreachable")


def check_cell_fits(rows: int, negatives: int, available: int | None = None) -> int:
    """Raise a one-line error when one cell cannot fit in memory; return its estimate."""
    needed = cell_bytes(rows, negatives)
    free = available_memory() if available is None else available
    if free is not None and needed > free:
        raise CselabError(
            f"rows={rows} x (1 + negatives={negatives}) cosines need about "
            f"{human_bytes(needed)} of memory per grid cell ({WORKING_COPIES} float64 copies "
            f"while computing the parts); {human_bytes(free)} is available: lower rows or "
            "negatives"
        )
    return needed
