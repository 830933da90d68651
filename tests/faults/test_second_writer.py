"""Issue #18 item 1: two writers, one output. The second process is refused at start with
one line naming the output and the process that holds it; the first finishes alone."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from fault_cases import SECOND_WRITER, case_id, cases_of
from fault_commands import (
    arguments,
    files_under,
    lock_file,
    lock_held_elsewhere,
    output_in,
    output_kind,
    subprocess_env,
)

from cselab.results.table import ID_COLUMNS, read_table

OTHERS = [case for case in cases_of(SECOND_WRITER) if case.command != "train"]
TRAIN = [case for case in cases_of(SECOND_WRITER) if case.command == "train"]


def _refused_by(outcome, out, pid: int) -> None:
    assert outcome.code == 2, outcome.err
    assert len(outcome.errors()) == 1, outcome.err
    line = outcome.errors()[0]
    assert repr(str(out)) in line and f"in use by process {pid} on " in line, line
    assert "Traceback" not in outcome.err


@pytest.mark.parametrize("case", OTHERS, ids=case_id)
def test_second_writer_is_refused(case, fault_inputs, cselab, tmp_path) -> None:
    out = output_in(tmp_path / "shared", case.command)
    with lock_held_elsewhere(out, case.command) as holder:
        before = files_under(tmp_path / "shared")
        outcome = cselab(arguments(case.command, fault_inputs, out))
        assert files_under(tmp_path / "shared") == before  # nothing written beside the lock
    _refused_by(outcome, out, holder)
    if output_kind(case.command) == "file":
        assert not out.exists()


@pytest.mark.parametrize("case", TRAIN, ids=case_id)
def test_second_train_in_a_running_run_is_refused(case, fault_inputs, cselab, tmp_path) -> None:
    """The issue's reproduction: two `cselab train` on one folder. Before, both ran; one died
    mid-checkpoint and metrics.csv held the step-0 rows twice."""
    out = tmp_path / "run"
    args = arguments("train", fault_inputs, out)
    first = subprocess.Popen(
        [sys.executable, "-m", "cselab.cli.main", *args], env=subprocess_env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lock = lock_file(out, "train")
    deadline = time.monotonic() + 120
    while f'"pid": {first.pid},' not in (lock.read_text() if lock.is_file() else ""):
        assert first.poll() is None and time.monotonic() < deadline, "the first run never locked"
        time.sleep(0.01)
    second = cselab(args)
    _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err[-2000:]
    _refused_by(second, out, first.pid)
    table = read_table(out / "metrics.csv")
    assert not table.duplicated(list(ID_COLUMNS)).any()
    assert sorted(set(table["step"])) == [0, 1, 2, 3, 4]
    assert not lock.exists()
