"""The five training data kinds, and errors naming file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cselab.data.pairs import Pair, Triplet
from cselab.errors import CselabError
from cselab.training.data import read_training_data


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_sentences_become_identical_pairs(tmp_path: Path) -> None:
    path = write(tmp_path / "s.txt", "one\n\n two \n")
    assert read_training_data(path, "sentences") == [Pair("one", "one"), Pair("two", "two")]


def test_pairs_and_triplets_tsv_and_jsonl(tmp_path: Path) -> None:
    assert read_training_data(write(tmp_path / "p.tsv", "a\tb\nc\td\n"), "pairs") == [
        Pair("a", "b"),
        Pair("c", "d"),
    ]
    rows = [{"anchor": "a", "positive": "b", "negative": "c"}]
    path = write(tmp_path / "t.jsonl", "\n".join(json.dumps(r) for r in rows))
    assert read_training_data(path, "triplets") == [Triplet("a", "b", "c")]


def test_wrong_column_count_names_line(tmp_path: Path) -> None:
    path = write(tmp_path / "p.tsv", "a\tb\nonly one\n")
    with pytest.raises(CselabError, match=r"p.tsv:2: expected 2 tab-separated columns"):
        read_training_data(path, "pairs")


NLI = "premise\thypothesis\tlabel\nP1\tE1\tentailment\nP1\tC1\tcontradiction\nP1\tN1\tneutral\n"


def test_nli_tsv_triplets_and_pairs(tmp_path: Path) -> None:
    path = write(tmp_path / "nli.tsv", NLI + "P2\tE2\t0\n")
    assert read_training_data(path, "nli") == [Triplet("P1", "E1", "C1")]  # P2 lacks a negative
    assert read_training_data(path, "nli", nli_hard_negatives=False) == [
        Pair("P1", "E1"),
        Pair("P2", "E2"),
    ]


def test_nli_jsonl_numeric_labels(tmp_path: Path) -> None:
    rows = [
        {"premise": "P", "hypothesis": "E", "label": 0},
        {"premise": "P", "hypothesis": "C", "label": 2},
    ]
    path = write(tmp_path / "nli.jsonl", "\n".join(json.dumps(r) for r in rows))
    assert read_training_data(path, "nli") == [Triplet("P", "E", "C")]
    rows[0]["label"] = 0.5
    path = write(tmp_path / "nli.jsonl", "\n".join(json.dumps(r) for r in rows))
    with pytest.raises(CselabError, match="nli.jsonl:1: field 'label' is empty or not text"):
        read_training_data(path, "nli")


def test_malformed_nli_rows(tmp_path: Path) -> None:
    with pytest.raises(CselabError, match=r"nli.tsv:3: label 'maybe'"):
        read_training_data(
            write(
                tmp_path / "nli.tsv", "premise\thypothesis\tlabel\nP\tE\tentailment\nP\tH\tmaybe\n"
            ),
            "nli",
        )
    with pytest.raises(CselabError, match=r"bad.tsv:2: expected 3 tab-separated columns"):
        read_training_data(write(tmp_path / "bad.tsv", "premise\thypothesis\tlabel\nP\tH\n"), "nli")
    with pytest.raises(CselabError, match=r"hdr.tsv:1: header lacks column\(s\) \['label'\]"):
        read_training_data(write(tmp_path / "hdr.tsv", "premise\thypothesis\n"), "nli")


def test_scored_pairs_threshold(tmp_path: Path) -> None:
    rows = "g\tf\t2012\t1\t4.5\tA\tB\ng\tf\t2012\t2\t1.0\tC\tD\n"
    path = write(tmp_path / "sts-train.csv", rows)
    assert read_training_data(path, "scored_pairs", score_threshold=4.0) == [Pair("A", "B")]


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(CselabError, match="yields no training examples"):
        read_training_data(write(tmp_path / "e.txt", "\n"), "sentences")
    with pytest.raises(CselabError, match="does not exist"):
        read_training_data(tmp_path / "missing.txt", "sentences")


@pytest.mark.parametrize(
    ("line", "kind"),
    [("a\tb", "pairs"), ("a\tb\tc", "triplets"), ("a\tb\tc\td", "nli, scored_pairs")],
)
def test_sentences_data_with_tab_separated_columns_is_refused(tmp_path: Path, line, kind) -> None:
    path = tmp_path / "data.tsv"
    path.write_text(f"one sentence\n{line}\n", encoding="utf-8")
    with pytest.raises(CselabError, match=f"data.tsv:2: .* use data_kind {kind}"):
        read_training_data(path, "sentences")


def test_sentences_data_given_json_lines_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text('{"anchor": "a", "positive": "b"}\n', encoding="utf-8")
    with pytest.raises(CselabError, match="is JSON lines, but data_kind 'sentences'"):
        read_training_data(path, "sentences")
