"""Issue #18 item 2: SIGTERM / SIGINT during training. The step finishes, a checkpoint of it
is written, summary.json says why the run stopped, the exit status is 128 + signal (143,
130) with one line; rerunning the command resumes to the numbers of a run never stopped."""

from __future__ import annotations

import json
import signal

import pytest
from fault_cases import PREEMPTED, case_id, cases_of
from fault_commands import arguments, leftovers
from fault_training import SWEEP_RUN, assert_resumed_equal

from cselab.training.checkpoints import list_checkpoints

STOP_STEP = 3  # of 4; checkpoints every 2 steps


@pytest.mark.parametrize("case", cases_of(PREEMPTED), ids=case_id)
def test_a_signal_stops_cleanly_and_the_rerun_resumes_equal(
    case, fault_inputs, faults, cselab, references, tmp_path
) -> None:
    out = tmp_path / ("run" if case.command == "train" else "sweep")
    run = out if case.command == "train" else out / SWEEP_RUN
    args = arguments(case.command, fault_inputs, out)
    signum = int(getattr(signal, case.target))
    faults.signal_during_step(STOP_STEP, signum)
    outcome = cselab(args)
    faults.undo()
    assert faults.injected, "the signal was never sent"
    assert outcome.code == 128 + signum, outcome.err
    assert "Traceback" not in outcome.err and outcome.errors() == [], outcome.err
    [line] = [line for line in outcome.err.splitlines() if line.startswith("stopped by")]
    stop = run / "checkpoints" / f"step-{STOP_STEP:06d}"
    assert line.startswith(f"stopped by {case.target} after step {STOP_STEP}: checkpoint")
    assert repr(str(stop)) in line, line
    assert [step for step, _ in list_checkpoints(run)] == [2, STOP_STEP]
    assert leftovers(out) == []
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "stopped"
    assert summary["sessions"][-1]["end"]["reason"] == f"stopped by {case.target}"

    rerun = cselab(args)
    assert rerun.code == 0, rerun.err
    assert f"resumed from step {STOP_STEP}" in rerun.out or case.command == "sweep", rerun.out
    assert_resumed_equal(run, references[case.command])
