"""Any cselab output read back as one tidy table (:mod:`cselab.results.table`).

Read, per path given:

- a folder: every table in it (``metrics.csv`` of ``cselab geometry`` / ``compare`` /
  ``train``, ``dynamics.csv`` of ``cselab dynamics``, ``gradients.csv`` of ``cselab
  gradients``) and every ``cselab evaluate`` record (``*.json`` of kind ``cselab-sts``);
  a folder with none of them but run folders inside (``cselab sweep``) gives its runs;
- a file: one of those tables (any tidy CSV) or an evaluate record.

An evaluate record gives one row per dataset and score: ``model``, ``corpus`` = the
dataset's name, ``metric`` = ``sts_spearman`` / ``sts_pearson`` (× 100, as recorded),
no layer, no step. Columns beyond the tidy ones (``gradients.csv``'s ``mu_pos``,
``mu_neg``, ``temperature``, ``protocol``) are kept, empty where a table lacks them. The
SSC token tables of ``cselab compare`` are not tidy and are not read.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from cselab.errors import CselabError
from cselab.results.kinds import STS_KIND
from cselab.results.table import concat_tables, make_table, read_table

TABLE_FILES = ("metrics.csv", "dynamics.csv", "gradients.csv")


def sts_rows(record: dict, source: str) -> pd.DataFrame:
    """The tidy rows of a ``cselab evaluate`` record."""
    rows = []
    for dataset in record.get("datasets", []):
        for score in ("spearman", "pearson"):
            rows.append({"model": record.get("model", ""), "corpus": dataset["name"],
                         "metric": f"sts_{score}", "value": dataset[score]})  # fmt: skip
    if not rows:
        raise CselabError(f"evaluate record {source!r} holds no datasets")
    return make_table(rows)


def _json_record(path: Path) -> dict | None:
    """The parsed JSON object of ``path``, None when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _read_file(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".csv":
        return read_table(path)
    if path.suffix.lower() == ".json":
        record = _json_record(path)
        if record is None or record.get("kind") != STS_KIND:
            raise CselabError(
                f"{str(path)!r} is not a cselab evaluate record (a JSON object of kind {STS_KIND!r})"
            )
        return sts_rows(record, str(path))
    raise CselabError(
        f"{str(path)!r}: expected a cselab output folder, a .csv table or a .json record"
    )


def _folder_files(folder: Path) -> list[Path]:
    """The tables and evaluate records of a folder; a sweep folder's run tables."""
    files = [folder / name for name in TABLE_FILES if (folder / name).is_file()]
    files += [
        path for path in sorted(folder.glob("*.json"))
        if (record := _json_record(path)) is not None and record.get("kind") == STS_KIND
    ]  # fmt: skip
    if not files:
        files = sorted(folder.glob(f"*/{TABLE_FILES[0]}"))  # the runs of a sweep
    if not files:
        raise CselabError(
            f"folder {str(folder)!r} holds no cselab results ({', '.join(TABLE_FILES)}, an "
            "evaluate .json, or run folders with metrics.csv)"
        )
    return files


def read_results(*paths: str | os.PathLike[str]) -> pd.DataFrame:
    """One tidy table from cselab output folders and files (see the module doc), in the
    order given."""
    if not paths:
        raise CselabError("read_results: give at least one output folder or file")
    frames = []
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            frames += [_read_file(file) for file in _folder_files(path)]
        elif path.is_file():
            frames.append(_read_file(path))
        else:
            raise CselabError(f"results {str(given)!r} do not exist")
    return concat_tables(frames)
