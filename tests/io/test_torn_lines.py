"""Tables cut short by a crash: the cut line is left out with a warning naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cselab.errors import CselabError
from cselab.io.torn_lines import TornLineWarning, complete_text


@pytest.mark.parametrize("text", ["a,b\n1,2\n", "a,b"])  # a lone header needs no line end
def test_complete_text_is_read_as_it_is(tmp_path: Path, recwarn, text: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    assert complete_text(path, "table") == text
    assert not recwarn.list


def test_a_cut_last_line_is_dropped_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("a,b\n1,2\n3,ü".encode()[:-1])  # cut inside a two-byte character too
    with pytest.warns(TornLineWarning) as caught:
        assert complete_text(path, "results table") == "a,b\n1,2\n"
    assert str(caught[0].message) == (
        f"results table {str(path)!r} line 3 is cut short (no line end: a write was "
        "interrupted): ignored"
    )


def test_a_zero_byte_tail_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n1,2\n" + b"\x00" * 4096)
    with pytest.warns(TornLineWarning, match="ends with 4096 zero bytes"):
        assert complete_text(path, "table") == "a,b\n1,2\n"


def test_text_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n\xff\xfe,1\n")
    with pytest.raises(CselabError, match="is not UTF-8 text"):
        complete_text(path, "table")
