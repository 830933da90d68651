"""Output paths checked before any work: refusals name the output; missing folders made."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from cselab.errors import CselabError
from cselab.io.output_paths import FILE, FOLDER, prepare_output, remove_empty


def _refusal(out: Path, kind: str) -> str:
    with pytest.raises(CselabError) as caught:
        prepare_output(out, kind)
    return str(caught.value)


def test_missing_folders_are_made_and_removed_when_left_empty(tmp_path: Path) -> None:
    created = prepare_output(tmp_path / "a" / "b" / "report.html", FILE)
    assert created == [tmp_path / "a", tmp_path / "a" / "b"]
    (tmp_path / "a" / "keep.txt").write_text("x", encoding="utf-8")
    remove_empty(created)
    assert not (tmp_path / "a" / "b").exists() and (tmp_path / "a").is_dir()


def test_existing_outputs_need_nothing(tmp_path: Path) -> None:
    assert prepare_output(tmp_path, FOLDER) == []
    assert prepare_output(tmp_path / "report.html", FILE) == []


@pytest.mark.parametrize(
    ("kind", "make", "message"),
    [
        (FOLDER, "file", "output folder {out!r} is an existing file: give a folder"),
        (FILE, "folder", "output file {out!r} is a folder: give a file name"),
    ],
)
def test_an_output_of_the_wrong_kind_is_refused(tmp_path, kind, make, message) -> None:
    out = tmp_path / "x"
    out.mkdir() if make == "folder" else out.write_text("data", encoding="utf-8")
    assert _refusal(out, kind) == message.format(out=str(out))


def test_a_parent_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("x", encoding="utf-8")
    out = tmp_path / "notes" / "runs" / "run1"
    assert _refusal(out, FOLDER) == (
        f"output folder {str(out)!r} cannot be created: {str(tmp_path / 'notes')!r} is a "
        "file, not a folder"
    )


def test_a_folder_that_cannot_be_made_is_refused_and_nothing_is_left(tmp_path, monkeypatch):
    real_mkdir = os.mkdir

    def mkdir(path, *args, **kwargs):
        if Path(path).name == "b":
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)
    out = tmp_path / "a" / "b" / "c"
    assert _refusal(out, FOLDER) == (
        f"output folder {str(out)!r} cannot be created: {str(tmp_path / 'a' / 'b')!r}: "
        "Permission denied"
    )
    assert list(tmp_path.iterdir()) == []
