"""Reading a table that a crash may have cut short.

A process killed while writing a line-oriented file (a table appended row by row, a file
copied while it grew, a file system that lost the tail of a write) leaves at most a last
line without its line end, possibly followed by zero bytes (blocks allocated but never
written). Such a line cannot be trusted even when it parses — ``0.5`` may be the start of
``0.5381`` — so :func:`complete_text` drops it with a :class:`TornLineWarning` naming the
file and the line. Every file cselab writes ends with a line end, so nothing else is ever
dropped; a hand-written table whose last row lacks its line end gets the same warning.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from cselab.errors import CselabError


class TornLineWarning(UserWarning):
    """A cut-short last line (or zero-byte tail) was left out of a table."""


def complete_text(path: Path, what: str) -> str:
    """The UTF-8 text of ``path`` up to its last complete line (a lone first line, the
    header, is kept); ``what`` names the file in warnings and errors ("results table")."""
    data = path.read_bytes()
    kept = data.rstrip(b"\x00")
    if len(kept) < len(data):
        warnings.warn(
            f"{what} {str(path)!r} ends with {len(data) - len(kept)} zero bytes (a write was "
            "interrupted): ignored",
            TornLineWarning,
            stacklevel=2,
        )
    complete = kept.rfind(b"\n") + 1
    if 0 < complete < len(kept):
        line = kept.count(b"\n") + 1
        warnings.warn(
            f"{what} {str(path)!r} line {line} is cut short (no line end: a write was "
            "interrupted): ignored",
            TornLineWarning,
            stacklevel=2,
        )
        kept = kept[:complete]
    try:
        return kept.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CselabError(f"{what} {str(path)!r} is not UTF-8 text ({exc})") from None
