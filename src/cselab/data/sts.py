"""STS data loaders and the ``load_sts(spec)`` dispatcher.

- STS Benchmark (Cer et al. 2017): tab-separated, no quoting; columns genre, file, year, id,
  score (0-5), sentence 1, sentence 2; some rows carry extra columns (sources), ignored.
- SICK (Marelli et al. 2014), ``SICK.txt`` / ``SICK_test_annotated.txt``: tab-separated with
  a header; ``sentence_A``, ``sentence_B``, ``relatedness_score`` (1-5); the full file's
  ``SemEval_set`` column (TRAIN/TRIAL/TEST) selects a split.
- STS12-16 in the SentEval layout: a folder of ``STS.input.<subset>.txt`` (sentence 1 TAB
  sentence 2) with ``STS.gs.<subset>.txt`` (one score per line, 0-5); lines whose gold
  score is empty are skipped, as SentEval does. The subsets are concatenated ("all").
- Generic CSV/TSV/JSONL with named columns, and Hugging Face datasets: ``sts_tables``.

A gold score outside the declared range raises :class:`CselabError` with file and line.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

from cselab.data.pairs import ScoredPair
from cselab.data.text_files import read_text_lines
from cselab.errors import CselabError

STSB_SCORE_RANGE = (0.0, 5.0)
SICK_SCORE_RANGE = (1.0, 5.0)
SENTEVAL_SCORE_RANGE = (0.0, 5.0)


@dataclass(frozen=True)
class StsDataset:
    """Named scored pairs plus where they came from and how they were selected."""

    name: str
    pairs: list[ScoredPair]
    source: str
    protocol: str = ""
    options: dict[str, str] = field(default_factory=dict)


def parse_score(text: str, where: str, score_range: tuple[float, float] | None) -> float:
    """Parse a gold score; reject non-numbers, NaN/inf and values outside ``score_range``."""
    try:
        score = float(text)
    except (TypeError, ValueError):
        raise CselabError(f"{where}: score {text!r} is not a number") from None
    if not math.isfinite(score):
        raise CselabError(f"{where}: score {text!r} is not finite")
    if score_range is not None and not score_range[0] <= score <= score_range[1]:
        low, high = score_range
        raise CselabError(f"{where}: score {score} is outside the declared range [{low}, {high}]")
    return score


def scored_pair(where: str, sentence1: str, sentence2: str, score: float) -> ScoredPair:
    """A pair whose two sentences hold text; an empty one is an error naming ``where``."""
    for number, sentence in ((1, sentence1), (2, sentence2)):
        if not sentence.strip():
            raise CselabError(f"{where}: sentence {number} is empty")
    return ScoredPair(sentence1, sentence2, score)


def _nonempty(pairs: list[ScoredPair], what: str, source: Path) -> list[ScoredPair]:
    if not pairs:
        raise CselabError(f"{what} {str(source)!r} holds no pairs")
    return pairs


def read_stsbenchmark(path: str | os.PathLike[str]) -> list[ScoredPair]:
    """Read one STS Benchmark split (``sts-train.csv``, ``sts-dev.csv``, ``sts-test.csv``)."""
    source = Path(path)
    pairs: list[ScoredPair] = []
    for number, line in enumerate(read_text_lines(source, "STS Benchmark"), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 7:
            raise CselabError(
                f"{source}:{number}: expected at least 7 tab-separated columns "
                f"(genre, file, year, id, score, sentence1, sentence2), found {len(fields)}"
            )
        score = parse_score(fields[4], f"{source}:{number}", STSB_SCORE_RANGE)
        pairs.append(scored_pair(f"{source}:{number}", fields[5], fields[6], score))
    return _nonempty(pairs, "STS Benchmark file", source)


SICK_SPLITS = {"train": "TRAIN", "trial": "TRIAL", "test": "TEST"}


def read_sick(path: str | os.PathLike[str], split: str = "test") -> list[ScoredPair]:
    """Read SICK relatedness pairs; ``split`` in train/trial/test/all (used when the file has
    a ``SemEval_set`` column; ``SICK_test_annotated.txt`` is the test split already)."""
    source = Path(path)
    if split not in (*SICK_SPLITS, "all"):
        raise CselabError(f"SICK split {split!r} is not one of {[*SICK_SPLITS, 'all']}")
    lines = read_text_lines(source, "SICK")
    if not lines:
        raise CselabError(f"SICK file {str(source)!r} is empty")
    header = lines[0].split("\t")
    needed = ("sentence_A", "sentence_B", "relatedness_score")
    missing = [c for c in needed if c not in header]
    if missing:
        raise CselabError(f"{source}:1: SICK header lacks column(s) {missing}; found {header}")
    a, b, s = (header.index(c) for c in needed)
    set_col = header.index("SemEval_set") if "SemEval_set" in header else None
    pairs: list[ScoredPair] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < len(header):
            raise CselabError(
                f"{source}:{number}: expected {len(header)} tab-separated columns, "
                f"found {len(fields)}"
            )
        if set_col is not None and split != "all" and fields[set_col] != SICK_SPLITS[split]:
            continue
        score = parse_score(fields[s], f"{source}:{number}", SICK_SCORE_RANGE)
        pairs.append(scored_pair(f"{source}:{number}", fields[a], fields[b], score))
    return _nonempty(pairs, f"SICK file (split {split})", source)


def read_senteval_sts(folder: str | os.PathLike[str]) -> dict[str, list[ScoredPair]]:
    """Read an STS12-16 folder in the SentEval layout: ``{subset: pairs}``, sorted by subset."""
    root = Path(folder)
    if not root.is_dir():
        raise CselabError(f"SentEval STS folder {str(root)!r} does not exist")
    inputs = sorted(root.glob("STS.input.*.txt"))
    if not inputs:
        raise CselabError(f"SentEval STS folder {str(root)!r} has no STS.input.*.txt files")
    subsets: dict[str, list[ScoredPair]] = {}
    for input_file in inputs:
        subset = input_file.name[len("STS.input.") : -len(".txt")]
        gold_file = root / f"STS.gs.{subset}.txt"
        sentences = read_text_lines(input_file, "SentEval STS input")
        golds = read_text_lines(gold_file, "SentEval STS gold")
        if len(sentences) != len(golds):
            raise CselabError(
                f"{input_file} has {len(sentences)} lines but {gold_file} has {len(golds)}"
            )
        pairs: list[ScoredPair] = []
        for number, (line, gold) in enumerate(zip(sentences, golds, strict=True), start=1):
            if not gold.strip():
                continue  # SentEval skips pairs without a gold score
            fields = line.split("\t")
            if len(fields) < 2:
                raise CselabError(
                    f"{input_file}:{number}: expected 2 tab-separated sentences, "
                    f"found {len(fields)} column(s)"
                )
            score = parse_score(gold.strip(), f"{gold_file}:{number}", SENTEVAL_SCORE_RANGE)
            pairs.append(scored_pair(f"{input_file}:{number}", fields[0], fields[1], score))
        subsets[subset] = _nonempty(pairs, "SentEval STS input", input_file)
    return subsets


def _split_spec(spec: str) -> tuple[str, str, dict[str, str]]:
    """``[kind:]path[?key=value&...]`` -> (kind or '', path, options)."""
    text, _, query = spec.partition("?")
    pairs = parse_qsl(query, keep_blank_values=True) if query else []
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise CselabError(f"STS data spec {spec!r}: option(s) {repeated} given more than once")
    options = dict(pairs)
    kind, sep, rest = text.partition(":")
    if sep and kind in LOADER_KINDS:
        return kind, rest, options
    return "", text, options


def _infer_kind(path: Path) -> str:
    if path.is_dir():
        if any(path.glob("STS.input.*.txt")):
            return "senteval"
        if (path / "sts-test.csv").is_file():
            return "stsb"
        raise CselabError(
            f"cannot tell the format of folder {str(path)!r}; prefix the spec with a kind "
            f"({', '.join(LOADER_KINDS)}), e.g. stsb:{path}"
        )
    name = path.name.lower()
    if name.startswith("sick"):
        return "sick"
    if name.startswith("sts-") and name.endswith(".csv"):
        return "stsb"
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("csv", "tsv", "jsonl"):
        return suffix
    raise CselabError(
        f"cannot tell the format of {str(path)!r}; prefix it with a kind: {LOADER_KINDS}"
    )


def load_sts(spec: str) -> StsDataset:
    """Load STS pairs from a spec ``[kind:]path[?options]``.

    Kinds: ``stsb`` (file, or folder + ``split=train|dev|test``, default test), ``sick``
    (``split=test|train|trial|all``, default test), ``senteval`` (STS12-16 folder),
    ``csv``/``tsv``/``jsonl`` (``sentence1=``, ``sentence2=``, ``score=`` column names,
    ``range=low,high``), ``hf`` (dataset name or local folder, ``split=``, ``config=``, columns
    as for csv). Every kind takes ``name=`` to label the result. Without a kind it is inferred.
    """
    from cselab.data import sts_tables

    kind, path_text, options = _split_spec(spec)
    if kind == "hf":
        check_options(spec, kind, options)
        pairs = sts_tables.read_hf_dataset(path_text, options)
        name = options.get("name") or f"{path_text}:{options.get('split', 'test')}"
        return StsDataset(name, pairs, path_text, "hf", options)
    path = Path(path_text).expanduser()
    if not path.exists():
        prefix, colon, _ = path_text.partition(":")
        if colon and prefix.isalnum() and not kind:
            raise CselabError(
                f"STS data spec {spec!r}: unknown kind {prefix!r}; kinds: {', '.join(LOADER_KINDS)}"
            )
        raise CselabError(f"STS data {path_text!r} (from spec {spec!r}) does not exist")
    kind = kind or _infer_kind(path)
    check_options(spec, kind, options)
    protocol = kind
    if kind == "stsb":
        split = options.get("split", "test")
        if not path.is_dir() and "split" in options:
            raise CselabError(
                f"STS data spec {spec!r}: split= picks a file in an STS Benchmark folder; "
                f"{path_text!r} is a file already"
            )
        if split not in STSB_SPLITS:
            raise CselabError(
                f"STS data spec {spec!r}: split {split!r} is not one of {STSB_SPLITS}"
            )
        file = path / f"sts-{split}.csv" if path.is_dir() else path
        pairs = read_stsbenchmark(file)
        default_name = f"stsb-{split}" if path.is_dir() else f"stsb:{path.stem}"
        source = str(file)
    elif kind == "sick":
        split = options.get("split", "test")
        pairs = read_sick(path, split)
        default_name, protocol, source = f"sick-r-{split}", f"sick split={split}", str(path)
    elif kind == "senteval":
        subsets = read_senteval_sts(path)
        pairs = [p for subset in subsets.values() for p in subset]
        default_name, source = path.name, str(path)
        protocol = f"senteval all (subsets concatenated: {', '.join(subsets)})"
    else:
        pairs = sts_tables.read_table_pairs(path, kind, options)
        default_name, source = path.stem, str(path)
    return StsDataset(options.get("name") or default_name, pairs, source, protocol, options)


LOADER_KINDS = ("stsb", "sick", "senteval", "csv", "tsv", "jsonl", "hf")
STSB_SPLITS = ("train", "dev", "test")
_TABLE_OPTIONS = ("sentence1", "sentence2", "score", "range")
#: the columns of a DataFrame given as STS pairs
STS_COLUMNS = ("sentence1", "sentence2", "score")
#: The ``?key=value`` options each kind reads (every kind takes ``name``).
SPEC_OPTIONS = {
    "stsb": ("split",),
    "sick": ("split",),
    "senteval": (),
    "csv": _TABLE_OPTIONS,
    "tsv": _TABLE_OPTIONS,
    "jsonl": _TABLE_OPTIONS,
    "hf": ("split", "config", *_TABLE_OPTIONS),
}


def check_options(spec: str, kind: str, options: dict[str, str]) -> None:
    """Refuse a ``?key=`` option that ``kind`` does not read (a typo would be ignored)."""
    known = ("name", *SPEC_OPTIONS[kind])
    unknown = [key for key in options if key not in known]
    if unknown:
        raise CselabError(
            f"STS data spec {spec!r}: unknown option(s) {unknown} for kind {kind!r}; "
            f"it reads {list(known)}"
        )


def dataframe_rows(frame, label: str):
    """(sentence1, sentence2, score) rows of a DataFrame with those columns."""
    missing = [c for c in STS_COLUMNS if c not in frame.columns]
    if missing:
        raise CselabError(
            f"{label}: a DataFrame without column(s) {missing} (it has {list(frame.columns)}); "
            f"name the columns {list(STS_COLUMNS)}"
        )
    return frame[list(STS_COLUMNS)].itertuples(index=False, name=None)


def as_scored_pairs(data, name: str | None = None) -> tuple[list[ScoredPair], str]:
    """(pairs, name) of STS data given as a spec (:func:`load_sts`), a :class:`StsDataset`,
    a DataFrame with ``STS_COLUMNS``, or a sequence of :class:`ScoredPair` or
    ``(sentence1, sentence2, score)`` items; each
    item is checked (text, finite score) and a bad one is named by its index."""
    if isinstance(data, str | os.PathLike):
        data = load_sts(str(data))
    if isinstance(data, StsDataset):
        return data.pairs, name or data.name
    label = name or "pairs"
    if hasattr(data, "columns") and hasattr(data, "itertuples"):  # a pandas DataFrame
        data = dataframe_rows(data, label)
    elif not hasattr(data, "__iter__"):
        raise CselabError(
            f"{label} of type {type(data).__name__}: give an STS spec, a file, a DataFrame "
            "or (sentence1, sentence2, score) items"
        )
    pairs = []
    for index, item in enumerate(data):
        if isinstance(item, ScoredPair):
            pairs.append(item)
            continue
        where = f"{label} item {index}"
        if not (isinstance(item, tuple | list) and len(item) == 3):
            raise CselabError(f"{where}: expected (sentence1, sentence2, score), got {item!r}")
        first, second, score = item
        if not (isinstance(first, str) and isinstance(second, str)):
            raise CselabError(f"{where}: sentences must be text, got {first!r}, {second!r}")
        pairs.append(scored_pair(where, first, second, parse_score(score, where, None)))
    return pairs, label
