"""Training examples from files, in five kinds, as :class:`Pair` / :class:`Triplet` records.

- ``sentences``: one sentence per line -> ``Pair(s, s)`` (unsupervised SimCSE, Gao et al.
  2021: the two views differ only by dropout).
- ``pairs``: TSV ``anchor<TAB>positive`` or JSONL ``{"anchor", "positive"}``.
- ``triplets``: TSV ``anchor<TAB>positive<TAB>negative`` or JSONL with ``negative`` too.
- ``nli``: TSV with a header naming ``premise``, ``hypothesis``, ``label`` columns, or JSONL
  with those keys; label ``entailment``/``neutral``/``contradiction`` or 0/1/2 (SNLI/MNLI
  order). Entailment hypotheses are positives; with ``hard_negatives`` each premise's
  contradiction is the hard negative (supervised SimCSE) and premises without one are
  dropped; without, every entailment pair is a ``Pair`` (Xiao et al. 2023, Section 4).
- ``scored_pairs``: STS Benchmark format; pairs with gold score >= ``threshold`` are positives.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cselab.data.pairs import Pair, Triplet
from cselab.data.sts import read_stsbenchmark
from cselab.data.text_files import json_lines, read_text_lines
from cselab.errors import CselabError

NLI_LABELS = {"entailment": "entailment", "neutral": "neutral", "contradiction": "contradiction"}
NLI_LABEL_IDS = {"0": "entailment", "1": "neutral", "2": "contradiction"}


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line) of the non-blank lines."""
    for number, line in enumerate(read_text_lines(path, "training data"), start=1):
        if line.strip():
            yield number, line


def _records(
    path: Path, keys: tuple[str, ...], numeric: tuple[str, ...] = ()
) -> Iterator[tuple[int, list[str]]]:
    """Rows of ``keys`` from a TSV (no header) or JSONL file, with line numbers.

    Keys in ``numeric`` may hold JSON integers (NLI label ids); they are turned into text.
    """
    jsonl = path.suffix in (".jsonl", ".json")
    rows: Iterator[tuple[int, Any]] = json_lines(path, "training data") if jsonl else _lines(path)
    for number, row in rows:
        where = f"{path}:{number}"
        fields = _json_fields(row, keys, numeric, where) if jsonl else _tsv_fields(row, keys, where)
        for key, value in zip(keys, fields, strict=True):
            if not isinstance(value, str) or not value.strip():
                raise CselabError(f"{where}: field {key!r} is empty or not text")
        yield number, fields


def _json_fields(row: dict, keys: tuple[str, ...], numeric: tuple[str, ...], where: str) -> list:
    missing = [k for k in keys if k not in row]
    if missing:
        raise CselabError(f"{where}: missing key(s) {missing}")
    return [str(row[k]) if k in numeric and isinstance(row[k], int) else row[k] for k in keys]


def _tsv_fields(line: str, keys: tuple[str, ...], where: str) -> list:
    fields = line.split("\t")
    if len(fields) != len(keys):
        raise CselabError(
            f"{where}: expected {len(keys)} tab-separated columns ({', '.join(keys)}), "
            f"found {len(fields)}"
        )
    return fields


def _nli_rows(path: Path) -> Iterator[tuple[int, str, str, str]]:
    if path.suffix in (".jsonl", ".json"):
        rows = _records(path, ("premise", "hypothesis", "label"), numeric=("label",))
        for number, (premise, hypothesis, label) in rows:
            yield number, premise, hypothesis, label
        return
    lines = _lines(path)
    header = next(lines, None)
    if header is None:
        raise CselabError(f"NLI file {str(path)!r} is empty")
    names = header[1].split("\t")
    missing = [k for k in ("premise", "hypothesis", "label") if k not in names]
    if missing:
        raise CselabError(f"{path}:{header[0]}: header lacks column(s) {missing}")
    where = {k: names.index(k) for k in ("premise", "hypothesis", "label")}
    for number, line in lines:
        fields = line.split("\t")
        if len(fields) != len(names):
            raise CselabError(
                f"{path}:{number}: expected {len(names)} tab-separated columns, found {len(fields)}"
            )
        yield number, fields[where["premise"]], fields[where["hypothesis"]], fields[where["label"]]


def read_nli(path: str | os.PathLike[str], *, hard_negatives: bool = True) -> list[Pair | Triplet]:
    """NLI rows -> entailment pairs, or (premise, entailment, contradiction) triplets."""
    source = Path(path)
    entail: dict[str, list[str]] = {}
    contra: dict[str, list[str]] = {}
    for number, premise, hypothesis, raw_label in _nli_rows(source):
        label = NLI_LABELS.get(str(raw_label).strip().lower()) or NLI_LABEL_IDS.get(
            str(raw_label).strip()
        )
        if label is None:
            raise CselabError(
                f"{source}:{number}: label {raw_label!r} is not entailment/neutral/contradiction "
                "or 0/1/2"
            )
        if not premise.strip() or not hypothesis.strip():
            raise CselabError(f"{source}:{number}: empty premise or hypothesis")
        if label == "entailment":
            entail.setdefault(premise, []).append(hypothesis)
        elif label == "contradiction":
            contra.setdefault(premise, []).append(hypothesis)
    examples: list[Pair | Triplet] = []
    for premise, positives in entail.items():
        for i, positive in enumerate(positives):
            if not hard_negatives:
                examples.append(Pair(premise, positive))
            elif premise in contra:
                negatives = contra[premise]
                examples.append(Triplet(premise, positive, negatives[i % len(negatives)]))
    return examples


def read_sentences(path: Path) -> list[str]:
    """One sentence per line; a line with a tab (a TSV of pairs or triplets?) or a JSON-lines
    file is an error naming the kind that reads it, not a sentence with a tab inside."""
    if path.suffix in (".jsonl", ".json"):
        raise CselabError(
            f"training data {str(path)!r} is JSON lines, but data_kind 'sentences' reads one "
            "sentence per line: use data_kind pairs, triplets or nli for JSON lines"
        )
    sentences = []
    for number, line in _lines(path):
        if "\t" in line:
            columns = len(line.split("\t"))
            kind = {2: "pairs", 3: "triplets"}.get(columns, "nli, scored_pairs (STS-B) or pairs")
            raise CselabError(
                f"{path}:{number}: {columns} tab-separated columns, but data_kind 'sentences' "
                f"reads one sentence per line: use data_kind {kind} (--data-kind)"
            )
        sentences.append(line.strip())
    return sentences


def read_training_data(
    path: str | os.PathLike[str],
    kind: str,
    *,
    score_threshold: float = 4.0,
    nli_hard_negatives: bool = True,
) -> list[Pair | Triplet]:
    """Read one training file of the given kind; an empty result is an error naming the file."""
    source = Path(path)
    if not source.is_file():
        raise CselabError(f"training data {str(source)!r} does not exist")
    examples: list[Pair | Triplet]
    if kind == "sentences":
        examples = [Pair(s, s) for s in read_sentences(source)]
    elif kind == "pairs":
        examples = [Pair(*f) for _, f in _records(source, ("anchor", "positive"))]
    elif kind == "triplets":
        examples = [Triplet(*f) for _, f in _records(source, ("anchor", "positive", "negative"))]
    elif kind == "nli":
        examples = list(read_nli(source, hard_negatives=nli_hard_negatives))
    elif kind == "scored_pairs":
        scored = read_stsbenchmark(source)
        examples = [Pair(p.sentence1, p.sentence2) for p in scored if p.score >= score_threshold]
    else:
        raise CselabError(f"unknown data kind {kind!r}")
    if not examples:
        raise CselabError(f"training data {str(source)!r} ({kind}) yields no training examples")
    return examples
