"""Issue #18 item 1: a lock left by a process that died is detected and taken over, with a
note naming the dead holder; the command then runs as usual."""

from __future__ import annotations

import pytest
from fault_cases import STALE_LOCK, case_id, cases_of
from fault_commands import arguments, lock_file, lock_held_elsewhere, output_in, produced


@pytest.mark.parametrize("case", cases_of(STALE_LOCK), ids=case_id)
def test_stale_lock_is_taken_over(case, fault_inputs, cselab, tmp_path) -> None:
    out = output_in(tmp_path / "shared", case.command)
    with lock_held_elsewhere(out, case.command, crash=True) as holder:
        pass
    lock = lock_file(out, case.command)
    assert f'"pid": {holder},' in lock.read_text()  # the dead process's record is still there
    outcome = cselab(arguments(case.command, fault_inputs, out))
    assert outcome.code == 0, outcome.err
    notes = [w for w in outcome.warnings() if "ended without releasing it" in w]
    assert len(notes) == 1, outcome.err
    assert repr(str(out)) in notes[0] and f"process {holder} on " in notes[0], notes[0]
    assert produced(case.command, out).is_file()
    assert not lock.exists()
