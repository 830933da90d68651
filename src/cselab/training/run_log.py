"""The run's tidy table ``RUN_DIR/metrics.csv``, appended atomically.

Each append rewrites the whole file through :func:`cselab.results.table.write_table`
(temp file + rename), so a crash leaves the previous complete table, never a torn row.
On resume, rows after the checkpoint's step are dropped (they will be measured again).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from cselab.results.table import concat_tables, make_table, read_table, write_table

METRICS_FILE = "metrics.csv"


def append_rows(path: str | os.PathLike[str], rows: Iterable[Mapping[str, object]]) -> None:
    """Append rows to the table at ``path`` (created if missing)."""
    new = make_table(rows)
    if new.empty:
        return
    target = Path(path)
    frame = concat_tables([read_table(target), new]) if target.is_file() else new
    write_table(frame, target)


def drop_after(path: str | os.PathLike[str], step: int) -> None:
    """Remove rows with ``step > step`` (measured after the checkpoint a run resumes from)."""
    target = Path(path)
    if target.is_file():
        frame = read_table(target)
        write_table(frame[frame["step"] <= step], target)
