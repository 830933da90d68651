"""Issue #18 item 6 (and #14's "--out naming an existing file"): an output that cannot be
written is refused before any work — before even an input is read — in every command,
with one line naming the output; nothing is created."""

from __future__ import annotations

from pathlib import Path

import pytest
from fault_cases import PARENT_IS_FILE, READ_ONLY, WRONG_KIND, case_id, cases_of
from fault_commands import (
    FILE_OUTPUTS,
    FOLDER,
    arguments,
    files_under,
    missing_inputs,
    output_in,
    output_kind,
)


def _refused_naming(outcome, out: Path) -> None:
    assert outcome.code == 2, outcome.err
    assert len(outcome.errors()) == 1, outcome.err
    assert repr(str(out)) in outcome.errors()[0], outcome.err
    assert "Traceback" not in outcome.err


@pytest.mark.parametrize("case", cases_of(READ_ONLY), ids=case_id)
def test_read_only_parent_is_refused_first(case, fault_inputs, faults, cselab, tmp_path) -> None:
    locked = tmp_path / "read-only"
    faults.read_only(locked)
    out = output_in(locked, case.command)
    outcome = cselab(arguments(case.command, missing_inputs(fault_inputs, tmp_path), out))
    _refused_naming(outcome, out)
    assert "Read-only file system" in outcome.errors()[0] or "Permission" in outcome.errors()[0]
    faults.undo()
    assert files_under(locked) == {}


@pytest.mark.parametrize("case", cases_of(PARENT_IS_FILE), ids=case_id)
def test_parent_that_is_a_file_is_refused_first(case, fault_inputs, cselab, tmp_path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder\n", encoding="utf-8")
    out = output_in(blocker / "results", case.command)
    outcome = cselab(arguments(case.command, missing_inputs(fault_inputs, tmp_path), out))
    _refused_naming(outcome, out)
    assert "is a file, not a folder" in outcome.errors()[0]
    assert blocker.read_text(encoding="utf-8") == "a file, not a folder\n"


@pytest.mark.parametrize("case", cases_of(WRONG_KIND), ids=case_id)
def test_output_of_the_wrong_kind_is_refused_first(case, fault_inputs, cselab, tmp_path) -> None:
    if output_kind(case.command) == FOLDER:
        out = tmp_path / "results.csv"
        out.write_text("an existing file\n", encoding="utf-8")
    else:
        out = tmp_path / FILE_OUTPUTS[case.command]
        out.mkdir()
    outcome = cselab(arguments(case.command, missing_inputs(fault_inputs, tmp_path), out))
    _refused_naming(outcome, out)
    if out.is_file():
        assert out.read_text(encoding="utf-8") == "an existing file\n"
    else:
        assert list(out.iterdir()) == []
