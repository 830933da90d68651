"""Output locks: one holder, refusals naming it, stale locks taken over, clean release."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cselab.io import locks
from cselab.io.locks import (
    LOCK_FILE,
    Holder,
    OutputInUse,
    OutputLock,
    StaleLockWarning,
    output_lock,
)
from cselab.io.output_paths import FILE


def test_the_lock_file_names_the_holder_and_goes_away(tmp_path: Path) -> None:
    with output_lock(tmp_path / "out", "cselab geometry") as lock:
        assert lock is not None and lock.path == tmp_path / "out" / LOCK_FILE
        record = json.loads(lock.path.read_text(encoding="utf-8"))
        assert record["pid"] == os.getpid() and record["command"] == "cselab geometry"
        assert record["host"] and record["started"]
    assert not (tmp_path / "out").exists()  # made for the output, left empty: removed


def test_a_second_holder_is_refused_with_the_first_named(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with output_lock(tmp_path / "out", "cselab train"), pytest.raises(OutputInUse) as caught:
        OutputLock(tmp_path / "out", "cselab geometry").acquire()
    message = str(caught.value)
    assert message.startswith(f"output folder {str(tmp_path / 'out')!r} is in use by process ")
    assert f"process {os.getpid()} on " in message and "(cselab train, since " in message
    OutputLock(tmp_path / "out", "cselab geometry").acquire().release()  # free again


def test_file_outputs_lock_a_hidden_file_beside_them(tmp_path: Path) -> None:
    with output_lock(tmp_path / "report.html", "cselab report", kind=FILE) as lock:
        assert lock is not None and lock.path == tmp_path / ".report.html.lock"
        with pytest.raises(OutputInUse, match="output file .*report.html' is in use"):
            OutputLock(tmp_path / "report.html", "cselab report", FILE).acquire()
    assert list(tmp_path.iterdir()) == []


def test_a_stale_lock_is_taken_over_with_a_note(tmp_path: Path) -> None:
    dead = Holder(4_000_000, "node7", "cselab train", "2024-01-01T00:00:00")  # left by a crash
    (tmp_path / LOCK_FILE).write_text(json.dumps(dead.__dict__), encoding="utf-8")
    with pytest.warns(StaleLockWarning) as caught:
        lock = OutputLock(tmp_path, "cselab sweep").acquire()
    assert str(caught[0].message) == (
        f"output folder {str(tmp_path)!r} was locked by process 4000000 on node7 (cselab "
        "train, since 2024-01-01T00:00:00), which ended without releasing it: taking the "
        "lock over"
    )
    assert json.loads(lock.path.read_text(encoding="utf-8"))["pid"] == os.getpid()
    lock.release()
    assert not lock.path.exists()


def test_an_empty_or_foreign_lock_file_is_taken_without_a_note(tmp_path: Path, recwarn) -> None:
    (tmp_path / LOCK_FILE).write_text("", encoding="utf-8")
    OutputLock(tmp_path, "cselab geometry").acquire().release()
    assert not [w for w in recwarn if issubclass(w.category, StaleLockWarning)]


def test_a_lock_file_replaced_before_flock_is_opened_again(tmp_path: Path, monkeypatch) -> None:
    answers = iter([False, True])  # the holder deleted the file between our open and flock
    monkeypatch.setattr(locks, "_is_same_file", lambda descriptor, path: next(answers))
    lock = OutputLock(tmp_path, "cselab geometry").acquire()
    monkeypatch.undo()
    lock.release()
    assert not lock.path.exists()


def test_the_kernel_releases_the_lock_of_a_process_that_dies(tmp_path: Path) -> None:
    script = (
        "import os, sys; from cselab.io.locks import OutputLock; "
        "OutputLock(sys.argv[1], 'cselab train').acquire(); os._exit(0)"
    )
    source = str(Path(locks.__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": source}
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, env=env)
    assert (tmp_path / LOCK_FILE).is_file()  # left behind: no clean-up ran
    with pytest.warns(StaleLockWarning, match="ended without releasing it"):
        OutputLock(tmp_path, "cselab train").acquire().release()


def test_a_disabled_lock_does_nothing(tmp_path: Path) -> None:
    with output_lock(tmp_path / "out", "cselab train", enabled=False) as lock:
        assert lock is None
    assert not (tmp_path / "out").exists()


def test_folders_with_results_are_kept(tmp_path: Path) -> None:
    with output_lock(tmp_path / "a" / "b", "cselab geometry"):
        (tmp_path / "a" / "b" / "metrics.csv").write_text("x\n", encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == ["metrics.csv"]
