"""The shared reader of UTF-8 text lines: every failure names the input."""

from __future__ import annotations

import pytest

from cselab.data.text_files import read_text_lines
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
