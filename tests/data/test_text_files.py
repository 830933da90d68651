"""The shared reader of UTF-8 text lines: every failure names the input."""

from __future__ import annotations

import pytest

from cselab.data.text_files import json_lines, read_text_lines
from cselab.errors import CselabError


def test_reads_lines(tmp_path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("one\ntwo\n\nthree", encoding="utf-8")
    assert read_text_lines(path, "corpus") == ["one", "two", "", "three"]


def test_missing_folder_and_bad_bytes_are_named(tmp_path) -> None:
    with pytest.raises(CselabError, match=r"SICK file '.*nope\.txt' does not exist"):
        read_text_lines(tmp_path / "nope.txt", "SICK")
    with pytest.raises(CselabError, match=r"corpus path '.*' is not a file"):
        read_text_lines(tmp_path, "corpus")
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(b"ok\n\xff\xfe broken\n")
    with pytest.raises(CselabError, match=r"training data file '.*bad\.tsv' is not UTF-8 text"):
        read_text_lines(bad, "training data")


def test_json_lines_skip_blanks_and_keep_line_numbers(tmp_path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"s": "one"}\n\n  \n{"s": "two", "n": 2}\n', encoding="utf-8")
    assert list(json_lines(path, "corpus")) == [(1, {"s": "one"}), (4, {"s": "two", "n": 2})]


@pytest.mark.parametrize(
    ("line", "message"),
    [('{"s": broken', "not valid JSON"), ('["s", "a list"]', "expected a JSON object, found list")],
)
def test_json_lines_name_the_bad_line(tmp_path, line, message) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"s": "ok"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(CselabError, match=rf"bad\.jsonl:2: {message}"):
        list(json_lines(path, "STS table"))
    with pytest.raises(CselabError, match=r"STS table file '.*gone\.jsonl' does not exist"):
        list(json_lines(tmp_path / "gone.jsonl", "STS table"))


def test_delimited_rows_number_lines_and_skip_blank_ones(tmp_path) -> None:
    from cselab.data.text_files import delimited_rows

    path = tmp_path / "a.tsv"
    path.write_text('h1\th2\n\na\t"b\tc"\n', encoding="utf-8")
    assert list(delimited_rows(path, "corpus", "\t")) == [(1, ["h1", "h2"]), (3, ["a", "b\tc"])]
    path.write_text('h1\th2\n"a\tb\n', encoding="utf-8")
    with pytest.raises(CselabError, match=r"a\.tsv:2: broken quoting \(unexpected end of data\)"):
        list(delimited_rows(path, "corpus", "\t"))
