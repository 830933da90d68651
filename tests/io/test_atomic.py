"""Atomic files and folders: complete or absent, the previous version kept on error."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pandas as pd
import pytest

from cselab.io import atomic
from cselab.io.atomic import (
    OutputWriteError,
    atomic_directory,
    atomic_file,
    write_bytes,
    write_csv,
    write_text,
)


def _no_leftovers(folder: Path) -> None:
    assert [p.name for p in folder.iterdir() if ".tmp" in p.name or ".deleting" in p.name] == []


def test_write_text_replaces_the_file_with_the_usual_permissions(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    target.write_text("old", encoding="utf-8")
    plain = tmp_path / "plain.txt"
    plain.write_text("x", encoding="utf-8")
    assert write_text(target, "new ü\n") == target
    assert target.read_text(encoding="utf-8") == "new ü\n"
    assert target.stat().st_mode == plain.stat().st_mode  # umask applies, as for open()
    _no_leftovers(tmp_path)


def test_write_bytes_and_csv(tmp_path: Path) -> None:
    write_bytes(tmp_path / "a.png", b"\x89PNG")
    assert (tmp_path / "a.png").read_bytes() == b"\x89PNG"
    write_csv(pd.DataFrame({"x": [1, 2], "y": ["a", "b,c"]}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == 'x,y\n1,a\n2,"b,c"\n'


def test_disk_full_mid_write_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "metrics.csv"
    target.write_text("previous\n", encoding="utf-8")
    with pytest.raises(OutputWriteError) as caught, atomic_file(target, what="results table") as h:
        h.write("half of the new ")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert str(caught.value) == (
        f"cannot write results table {str(target)!r}: No space left on device"
    )
    assert target.read_text(encoding="utf-8") == "previous\n"
    _no_leftovers(tmp_path)


def test_fsync_error_is_a_write_error(tmp_path: Path, monkeypatch) -> None:
    def failing_fsync(descriptor) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OutputWriteError, match="Input/output error"):
        write_text(tmp_path / "a.txt", "data")
    assert not (tmp_path / "a.txt").exists()
    _no_leftovers(tmp_path)


def test_other_errors_pass_through_and_leave_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="bad row"), atomic_file(tmp_path / "a.txt") as handle:
        handle.write("partial")
        raise ValueError("bad row")
    assert list(tmp_path.iterdir()) == []


def test_directory_is_renamed_into_place_and_replaces_an_old_one(tmp_path: Path) -> None:
    final = tmp_path / "step-000002"
    final.mkdir()
    (final / "old.bin").write_bytes(b"old")
    with atomic_directory(final, what="checkpoint") as tmp:
        assert tmp.name == "step-000002.tmp"
        (tmp / "model.bin").write_bytes(b"new")
        (tmp / "sub").mkdir()
        (tmp / "sub" / "x.json").write_text("{}", encoding="utf-8")
    assert sorted(p.name for p in final.rglob("*")) == ["model.bin", "sub", "x.json"]
    _no_leftovers(tmp_path)


def test_directory_writer_error_names_the_folder_and_free_space(tmp_path: Path) -> None:
    final = tmp_path / "step-000004"
    with (
        pytest.raises(OutputWriteError) as caught,
        atomic_directory(final, what="checkpoint") as tmp,
    ):
        (tmp / "model.safetensors").write_bytes(b"half")
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 576 vs 534")
    message = str(caught.value)
    assert message.startswith(f"cannot write checkpoint {str(final)!r}: [enforce fail")
    assert message.endswith("MiB free on that disk)")
    assert not final.exists()
    _no_leftovers(tmp_path)


def test_failed_rename_puts_the_old_folder_back(tmp_path: Path, monkeypatch) -> None:
    final = tmp_path / "step-000002"
    final.mkdir()
    (final / "old.bin").write_bytes(b"old")
    real_replace = os.replace

    def replace(src, dst) -> None:
        if Path(src).name.endswith(".tmp"):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(src))
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    with (
        pytest.raises(OutputWriteError, match="Input/output error"),
        atomic_directory(final) as tmp,
    ):
        (tmp / "new.bin").write_bytes(b"new")
    assert (final / "old.bin").read_bytes() == b"old"
    _no_leftovers(tmp_path)
