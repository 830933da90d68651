"""STS pairs from generic tables: CSV/TSV/JSONL with named columns, Hugging Face datasets.

Options (from a ``load_sts`` spec): ``sentence1``, ``sentence2``, ``score`` column names
(defaults ``sentence1``, ``sentence2``, ``score``, the names of ``mteb/stsbenchmark-sts``),
``range=low,high`` (declared gold range; values outside raise), ``split``/``config`` (hf).
"""

from __future__ import annotations

from pathlib import Path

from cselab.data.pairs import ScoredPair
from cselab.data.text_files import delimited_rows, json_lines
from cselab.errors import CselabError


def _columns(options: dict[str, str]) -> tuple[str, str, str]:
    return (
        options.get("sentence1", "sentence1"),
        options.get("sentence2", "sentence2"),
        options.get("score", "score"),
    )


def score_range(options: dict[str, str]) -> tuple[float, float] | None:
    """Parse ``range=low,high`` from spec options (None when not declared)."""
    text = options.get("range")
    if not text:
        return None
    try:
        low, high = (float(x) for x in text.split(","))
    except ValueError:
        raise CselabError(f"range={text!r} must be two numbers 'low,high'") from None
    if not low < high:
        raise CselabError(f"range={text!r}: low must be below high")
    return low, high


def _pair(record: dict, where: str, options: dict[str, str]) -> ScoredPair:
    from cselab.data.sts import parse_score

    s1, s2, sc = _columns(options)
    missing = [c for c in (s1, s2, sc) if c not in record]
    if missing:
        raise CselabError(f"{where}: missing column(s) {missing}; found {sorted(record)}")
    for column in (s1, s2):
        if not isinstance(record[column], str) or not record[column].strip():
            raise CselabError(f"{where}: column {column!r} is empty or not text")
    score = parse_score(str(record[sc]), where, score_range(options))
    return ScoredPair(record[s1], record[s2], score)


def read_table_pairs(path: Path, kind: str, options: dict[str, str]) -> list[ScoredPair]:
    """Read a CSV/TSV (header row) or JSONL (one object a line) file of scored pairs."""
    pairs: list[ScoredPair] = []
    if kind == "jsonl":
        for number, record in json_lines(path, "STS table"):
            pairs.append(_pair(record, f"{path}:{number}", options))
    elif kind in ("csv", "tsv"):
        rows = delimited_rows(path, "STS table", "," if kind == "csv" else "\t")
        _, header = next(rows, (1, []))
        for number, row in rows:
            if len(row) != len(header):
                raise CselabError(
                    f"{path}:{number}: expected {len(header)} columns like the header {header}"
                )
            pairs.append(_pair(dict(zip(header, row, strict=True)), f"{path}:{number}", options))
    else:
        raise CselabError(f"unknown table kind {kind!r} for {path}")
    if not pairs:
        raise CselabError(f"STS table {str(path)!r} holds no pairs")
    return pairs


def read_hf_dataset(name: str, options: dict[str, str]) -> list[ScoredPair]:
    """Load a Hugging Face dataset split (hub name or local folder) with named columns."""
    try:
        import datasets
    except ImportError:
        raise CselabError(
            "hf: STS data needs the 'datasets' package (pip install datasets)"
        ) from None
    split = options.get("split", "test")
    try:
        if Path(name).is_dir() and (Path(name) / "dataset_info.json").is_file():
            data = datasets.load_from_disk(name)
            data = data[split] if isinstance(data, datasets.DatasetDict) else data
        else:
            data = datasets.load_dataset(name, options.get("config"), split=split)
    except Exception as exc:  # hub/network/format errors all mean: cannot read this input
        raise CselabError(
            f"could not load Hugging Face dataset {name!r} split {split!r}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    pairs = [_pair(dict(row), f"{name}[{split}] row {i}", options) for i, row in enumerate(data)]
    if not pairs:
        raise CselabError(f"Hugging Face dataset {name!r} split {split!r} holds no pairs")
    return pairs
