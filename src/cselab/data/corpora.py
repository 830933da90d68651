"""Sentence corpora for geometry measurements.

Formats (chosen by ``fmt`` or, with ``fmt="auto"``, by the file name):

- ``text``: one sentence per line (``.txt`` and anything unknown); blank lines are errors.
- ``csv`` / ``tsv``: a header row and a named ``column`` (``.csv`` / ``.tsv``).
- ``jsonl``: one JSON object per line with a named ``column`` (``.jsonl``).
- ``stsb``: the STS Benchmark split format (``sts-*.csv``); ``sts_sentences`` picks
  sentence ``"1"`` (the protocol of Xiao et al. 2023), ``"2"`` or ``"both"``.
- ``hf:NAME``: a Hugging Face dataset by name (``hf_config``, ``split``, ``column``), when
  the hub is reachable.

Every error names the file and, where one is at fault, the line. ``dedupe=True`` keeps the
first occurrence of each sentence (the paper does not de-duplicate).

:func:`open_corpus` reads text, CSV/TSV and JSONL files lazily: its ``sentences`` can be
iterated any number of times, each time reading the file line by line, so a corpus of any
size is never in memory at once (``dedupe`` then keeps a 16-byte digest per distinct
sentence). :func:`load_corpus` reads the whole corpus into a list.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from cselab.data.sts import read_stsbenchmark
from cselab.data.text_files import delimited_rows, iter_text_lines, json_lines
from cselab.errors import CselabError

FORMATS = ("auto", "text", "csv", "tsv", "jsonl", "stsb")
STS_SENTENCES = ("1", "2", "both")
DEFAULT_CORPUS_NAME = "default_corpus.txt"
_STSB_NAME = re.compile(r"^sts-(train|dev|test)\.csv$")


@dataclass(frozen=True)
class Corpus:
    """Named sentences (a list, or a re-readable :class:`LazySentences`); ``name`` fills the
    ``corpus`` column of result tables."""

    name: str
    sentences: list[str] | LazySentences


class LazySentences:
    """Sentences read from their file afresh on every iteration (never all in memory)."""

    def __init__(self, read: Callable[[], Iterator[str]], label: str, dedupe: bool) -> None:
        self._read, self.label, self.dedupe = read, label, dedupe

    def __iter__(self) -> Iterator[str]:
        seen: set[bytes] = set()
        empty = True
        for sentence in self._read():
            if self.dedupe:
                digest = hashlib.blake2b(sentence.encode("utf-8"), digest_size=16).digest()
                if digest in seen:
                    continue
                seen.add(digest)
            empty = False
            yield sentence
        if empty:
            raise CselabError(f"corpus {self.label!r} holds no sentences")


def iter_text(path: Path) -> Iterator[str]:
    """One sentence per line; a blank line is an error naming its number (trailing blank
    lines are ignored)."""
    blank: int | None = None
    for number, line in iter_text_lines(path, "corpus"):
        if not line.strip():
            blank = blank or number
            continue
        if blank is not None:
            raise CselabError(f"{path}:{blank}: empty line (one sentence per line expected)")
        yield line.strip()


def iter_delimited(path: Path, column: str | None, delimiter: str) -> Iterator[str]:
    """A header row, then one row per sentence; ``column`` names the sentence column."""
    if column is None:
        raise CselabError(f"{path}: give the sentence column (--column) for a delimited file")
    rows = delimited_rows(path, "corpus", delimiter)
    first = next(rows, None)
    if first is None:
        raise CselabError(f"corpus file {str(path)!r} is empty")
    header_line, header = first
    if column not in header:
        raise CselabError(
            f"{path}:{header_line}: no column {column!r} in the header; columns: {header}"
        )
    index = header.index(column)
    for number, row in rows:
        if len(row) <= index:
            raise CselabError(
                f"{path}:{number}: row has {len(row)} fields, column {column!r} is field "
                f"{index + 1}"
            )
        if not row[index].strip():
            raise CselabError(f"{path}:{number}: column {column!r} is empty")
        yield row[index].strip()


def iter_jsonl(path: Path, column: str | None) -> Iterator[str]:
    """One JSON object per line; ``column`` names the key holding the sentence."""
    if column is None:
        raise CselabError(f"{path}: give the sentence key (--column) for a JSONL file")
    for number, record in json_lines(path, "corpus"):
        if column not in record:
            raise CselabError(f"{path}:{number}: no key {column!r} in this JSON line")
        value = record[column]
        if not isinstance(value, str) or not value.strip():
            raise CselabError(f"{path}:{number}: key {column!r} is not a non-empty string")
        yield value.strip()


def default_corpus_path() -> Path:
    """The small corpus shipped in ``cselab/resources`` (one sentence per line)."""
    path = Path(str(resources.files("cselab") / "resources" / DEFAULT_CORPUS_NAME))
    if not path.is_file():
        raise CselabError(f"the default corpus {str(path)!r} is not installed")
    return path


def detect_format(path: Path) -> str:
    """Guess a file's format from its name."""
    if _STSB_NAME.match(path.name):
        return "stsb"
    suffix = path.suffix.lower()
    return {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl"}.get(suffix, "text")


def read_stsb_sentences(path: Path, which: str = "1") -> list[str]:
    """Sentences of an STS Benchmark split: sentence 1, sentence 2, or both (1 then 2 per row)."""
    if which not in STS_SENTENCES:
        raise CselabError(f"sts_sentences={which!r}; choose one of {list(STS_SENTENCES)}")
    pairs = read_stsbenchmark(path)
    if which == "1":
        return [p.sentence1 for p in pairs]
    if which == "2":
        return [p.sentence2 for p in pairs]
    return [s for p in pairs for s in (p.sentence1, p.sentence2)]


def read_hf_dataset(name: str, config: str | None, split: str, column: str | None) -> list[str]:
    """A column of a Hugging Face dataset (needs the hub or a local datasets cache)."""
    if column is None:
        raise CselabError(f"dataset {name!r}: give the sentence column (--column)")
    try:
        import datasets
    except ImportError:
        raise CselabError(f"dataset {name!r}: pip install datasets to read hub datasets") from None
    try:
        data = datasets.load_dataset(name, config, split=split)
    except Exception as exc:  # noqa: BLE001 - the hub raises many kinds; report any of them
        raise CselabError(
            f"dataset {name!r} (config {config!r}, split {split!r}) could not be loaded: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if column not in data.column_names:
        raise CselabError(f"dataset {name!r} has no column {column!r}; {data.column_names}")
    return [str(s) for s in data[column]]


def dedupe_sentences(sentences: list[str]) -> list[str]:
    """Keep the first occurrence of each sentence, in order."""
    return list(dict.fromkeys(sentences))


def open_corpus(
    source: str | os.PathLike[str] | None = None,
    *,
    fmt: str = "auto",
    column: str | None = None,
    sts_sentences: str = "1",
    dedupe: bool = False,
    hf_config: str | None = None,
    split: str = "test",
) -> Corpus:
    """A corpus whose text/CSV/TSV/JSONL sentences are read lazily (re-readable); STS-B
    files and ``hf:`` datasets are read whole. ``source=None`` gives the shipped corpus."""
    if fmt not in FORMATS:
        raise CselabError(f"corpus format {fmt!r}; choose one of {list(FORMATS)}")
    if sts_sentences not in STS_SENTENCES:
        raise CselabError(f"sts_sentences={sts_sentences!r}; choose one of {list(STS_SENTENCES)}")
    text = str(source) if source is not None else None
    label_for_errors = text or "default"
    if text is not None and text.startswith("hf:"):
        name = text[3:]
        sentences = read_hf_dataset(name, hf_config, split, column)
        return _eager(f"{name}:{split}:{column}", sentences, dedupe, label_for_errors)
    path = Path(text).expanduser() if text is not None else default_corpus_path()
    kind = detect_format(path) if fmt == "auto" else fmt
    label = path.stem if text is not None else "default"
    if column is not None and kind in ("text", "stsb"):
        how = "one sentence per line" if kind == "text" else "pick with --sts-sentences"
        raise CselabError(
            f"corpus {str(path)!r} is read as {kind} ({how}): it has no column {column!r} "
            "to choose; give --format csv, tsv or jsonl, or leave --column out"
        )
    if kind == "stsb":
        return _eager(f"{path.stem}:s{sts_sentences}", read_stsb_sentences(path, sts_sentences),
                      dedupe, label_for_errors)  # fmt: skip
    if not path.is_file():
        next(iter_text_lines(path, "corpus"))  # the missing-file / not-a-file error
    readers: dict[str, Callable[[], Iterable[str]]] = {
        "csv": lambda: iter_delimited(path, column, ","),
        "tsv": lambda: iter_delimited(path, column, "\t"),
        "jsonl": lambda: iter_jsonl(path, column),
        "text": lambda: iter_text(path),
    }
    read = readers[kind]
    return Corpus(label, LazySentences(lambda: iter(read()), label_for_errors, dedupe))


def _eager(label: str, sentences: list[str], dedupe: bool, source: str) -> Corpus:
    if dedupe:
        sentences = dedupe_sentences(sentences)
    if not sentences:
        raise CselabError(f"corpus {source!r} holds no sentences")
    return Corpus(label, sentences)


def load_corpus(source: str | os.PathLike[str] | None = None, **options: Any) -> Corpus:
    """Read a whole corpus into a list; the options of :func:`open_corpus` (``fmt``,
    ``column``, ``sts_sentences``, ``dedupe``, ``hf_config``, ``split``)."""
    corpus = open_corpus(source, **options)
    return Corpus(corpus.name, list(corpus.sentences))


def looks_like_a_path(text: str) -> bool:
    """One word with a folder separator or a file suffix (``corpus.txt``, ``data/x``), not
    a sentence."""
    return not any(c.isspace() for c in text) and ("/" in text or bool(Path(text).suffix))


def sentences_and_name(
    sentences: Iterable[str] | str | os.PathLike[str] | Corpus | None,
) -> tuple[Iterable[str], str]:
    """(sentences, corpus name) of what a caller gives as a corpus: ``None`` (the shipped
    corpus), a file path or ``hf:NAME`` (:func:`open_corpus`), a :class:`Corpus`, or any
    iterable of sentences (named ``corpus``). One string that names no file is refused: it
    would be read as a sequence of one-character sentences."""
    if isinstance(sentences, Corpus):
        return sentences.sentences, sentences.name
    one_text = isinstance(sentences, str) and not sentences.startswith("hf:")
    if one_text and not Path(str(sentences)).expanduser().is_file():
        if looks_like_a_path(str(sentences)):
            raise CselabError(f"corpus file {sentences!r} does not exist")
        raise CselabError(
            f"sentences {str(sentences)[:60]!r}: one string that names no corpus file; give "
            "a list of sentences, or the path of a corpus file"
        )
    if sentences is None or isinstance(sentences, str | os.PathLike):
        corpus = open_corpus(sentences)
        return corpus.sentences, corpus.name
    return sentences, "corpus"
