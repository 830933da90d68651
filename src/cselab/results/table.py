"""The tidy long table: one row per number.

Columns: ``run, step, model, corpus, layer, metric, value`` (``ID_COLUMNS`` + ``value``).
Measuring, training, dynamics and reporting exchange results only through this table.
Columns that do not apply to a producer may be left out when writing (a geometry run has
no ``run``/``step``); :func:`read_table` restores them with empty values, so tables from
different producers concatenate. ``layer`` is an integer hidden-state index (0 = input
embeddings) or -1 for sentence-level (pooled) values and values that have no layer.
Tables are written atomically (complete or absent, :mod:`cselab.io.atomic`); a last line
cut short by a crash is left out when reading, with a warning (:mod:`cselab.io.torn_lines`).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from cselab.errors import CselabError
from cselab.io.atomic import write_csv
from cselab.io.torn_lines import complete_text

ID_COLUMNS = ("run", "step", "model", "corpus", "layer", "metric")
COLUMNS = (*ID_COLUMNS, "value")
NO_LAYER = -1
#: The ``step`` of a row that belongs to no training step (a geometry or evaluation result).
NO_STEP = -1


def make_table(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Build a table from row dicts; missing id columns are filled ('' or -1 for layer/step)."""
    frame = pd.DataFrame(list(rows))
    return normalise(frame)


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a frame every column in canonical order and types; reject rows without a metric."""
    frame = frame.copy()
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = {"layer": NO_LAYER, "step": NO_STEP}.get(column, "")
    if frame["metric"].isna().any() or (frame["metric"].astype(str) == "").any():
        raise CselabError("table rows must name a metric")
    frame["layer"] = frame["layer"].fillna(NO_LAYER).astype(int)
    frame["step"] = frame["step"].fillna(NO_STEP).astype(int)
    for column in ("run", "model", "corpus", "metric"):
        frame[column] = frame[column].fillna("").astype(str)
    frame["value"] = pd.to_numeric(frame["value"], errors="raise").astype(float)
    extra = [c for c in frame.columns if c not in COLUMNS]
    return frame[[*COLUMNS, *extra]].reset_index(drop=True)


def write_table(
    frame: pd.DataFrame, path: str | os.PathLike[str], columns: Iterable[str] | None = None
) -> Path:
    """Write a table as CSV atomically (temp file, fsync, rename); ``columns`` picks which
    to keep."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    chosen = list(columns) if columns is not None else list(normalise(frame).columns)
    return write_csv(normalise(frame)[chosen], out, what="results table")


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a tidy CSV written by :func:`write_table` (any subset of the id columns); a
    cut-short last line is left out with a warning."""
    source = Path(path)
    if not source.is_file():
        raise CselabError(f"results table {str(source)!r} does not exist")
    text = complete_text(source, "results table")
    try:
        frame = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise CselabError(f"results table {str(source)!r} is empty (no header)") from None
    except pd.errors.ParserError as exc:
        raise CselabError(f"results table {str(source)!r} is not a readable CSV: {exc}") from exc
    missing = {"metric", "value"} - set(frame.columns)
    if missing:
        raise CselabError(f"results table {str(source)!r} lacks column(s) {sorted(missing)}")
    try:
        return normalise(frame)
    except (ValueError, TypeError) as exc:
        raise CselabError(f"results table {str(source)!r} has a bad value: {exc}") from exc


def concat_tables(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Stack tables from several producers into one."""
    frames = [normalise(f) for f in frames]
    if not frames:
        return make_table([])
    return pd.concat(frames, ignore_index=True)


def finite(value: float) -> float:
    """Return ``value`` or raise if it is NaN/inf, so no silently wrong number is written."""
    if not math.isfinite(value):
        raise CselabError(f"refusing to record a non-finite value ({value})")
    return value
