"""Issue #18 item 5: a non-finite loss or gradient. Under `nan_policy: stop` (the default)
the run stops at that step with one line naming the step and the value, keeps the last
good checkpoint and says how to go on; under `nan_policy: skip` the step applies no update,
is counted, and the run finishes."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from fault_cases import DIVERGED, SKIPPED, case_id, cases_of
from fault_commands import arguments, leftovers
from fault_training import SWEEP_RUN, comparable_rows

from cselab.results.table import read_table
from cselab.training.checkpoints import list_checkpoints, load_trainer_state

NAN_STEP = 3  # of 4; checkpoints every 2 steps
NAMED = {"loss": "the loss is nan", "gradient": "the gradient norm is nan"}


@pytest.mark.parametrize("case", cases_of(DIVERGED), ids=case_id)
def test_a_diverging_run(case, fault_inputs, faults, cselab, references, tmp_path) -> None:
    out = tmp_path / ("run" if case.command == "train" else "sweep")
    run = out if case.command == "train" else out / SWEEP_RUN
    args = arguments(case.command, fault_inputs, out)
    where = case.target.split("-")[0]
    faults.non_finite_at_step(NAN_STEP, where)
    if case.result == SKIPPED:
        outcome = cselab([*args, "--nan-policy", "skip"])
        faults.undo()
        assert outcome.code == 0, outcome.err
        assert "1 skipped (non-finite loss or gradient)" in outcome.out, outcome.out
        table = read_table(run / "metrics.csv")
        skipped = table[table["metric"] == "skipped_steps"].set_index("step")["value"]
        assert skipped.to_dict() == {1: 0, 2: 0, 3: 1, 4: 1}
        assert [step for step, _ in list_checkpoints(run)] == [2, 4]
        return
    outcome = cselab(args)
    faults.undo()
    assert faults.injected, "the fault was never hit"
    assert outcome.code == 2 and "Traceback" not in outcome.err, outcome.err
    [line] = outcome.errors()
    kept = run / "checkpoints" / "step-000002"
    assert f"training diverged at step {NAN_STEP}: {NAMED[where]}" in line, line
    assert f"the last good checkpoint {str(kept)!r} is kept" in line, line
    assert "--set nan_policy=skip" in line, line
    assert [step for step, _ in list_checkpoints(run)] == [2]
    assert load_trainer_state(kept)["step"] == 2
    assert leftovers(out) == []
    pd.testing.assert_frame_equal(
        comparable_rows(run), comparable_rows(references[case.command], 2)
    )
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "diverged" and summary["sessions"][-1]["end"]["step"] == NAN_STEP
