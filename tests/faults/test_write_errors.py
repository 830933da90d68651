"""Issue #18 item 3: a full disk or an I/O error while writing any output. One line names
the file and the error; every result already written stays as it was; no partial or
temporary file is left; a training run then resumes to the numbers of a run without fault."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from fault_cases import DISK_FILLS, FULL_DISK, IO_ERROR, case_id, cases_of
from fault_commands import arguments, leftovers, output_in, output_kind
from fault_training import SWEEP_RUN, assert_resumed_equal, comparable_rows

from cselab.training.checkpoints import list_checkpoints, load_trainer_state

PREVIOUS = b"the previous complete version\n"
PNG_END = b"IEND\xaeB`\x82"
ERRORS = {FULL_DISK.key: "No space left on device", IO_ERROR.key: "Input/output error"}
ALL = cases_of(FULL_DISK) + cases_of(IO_ERROR) + cases_of(DISK_FILLS)
OUTPUTS = [c for c in ALL if c.command not in ("train", "sweep")]
TRAINING = [c for c in ALL if c.command in ("train", "sweep")]


def _inject(faults, case, pattern: str, **options) -> None:
    if case.fault == FULL_DISK:
        faults.fail_writes(pattern, **options)
    else:
        faults.fail_fsync(pattern)


def _complete(path: Path) -> bool:
    """A file that a reader takes whole: a PNG with its end chunk, parseable CSV/JSON."""
    data = path.read_bytes()
    if path.suffix == ".png":
        return data.endswith(PNG_END)
    if path.suffix == ".json":
        return isinstance(json.loads(data), dict)
    if path.suffix == ".csv":
        return data.endswith(b"\n") and len(pd.read_csv(path)) > 0
    return True


def _one_error(outcome) -> str:
    assert outcome.code == 2, outcome.err
    assert "Traceback" not in outcome.err, outcome.err
    assert len(outcome.errors()) == 1, outcome.err
    return outcome.errors()[0]


@pytest.mark.parametrize("case", OUTPUTS, ids=case_id)
def test_write_error_keeps_previous_output(case, fault_inputs, faults, cselab, tmp_path) -> None:
    out = output_in(tmp_path / "results", case.command)
    folder = out if output_kind(case.command) == "folder" else out.parent
    args = arguments(case.command, fault_inputs, out)
    if case.target == "png":
        args += ["--plots"] if case.command == "geometry" else []
        _inject(faults, case, "*.png*")
    else:
        target = folder / case.target
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(PREVIOUS)
        _inject(faults, case, f"*{case.target}*")
    outcome = cselab(args)
    faults.undo()
    line = _one_error(outcome)
    assert faults.injected and ERRORS[case.fault.key] in line, line
    if case.target == "png":
        named = re.search(r"'([^']+\.png)'", line)
        assert named and not Path(named.group(1)).exists(), line
    else:
        assert repr(str(target)) in line, line
        assert target.read_bytes() == PREVIOUS
    assert leftovers(folder) == []
    others = [p for p in folder.rglob("*") if p.is_file() and p.read_bytes() != PREVIOUS]
    assert all(_complete(p) for p in others), others


def _assert_checkpoint_loads(path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    assert load_trainer_state(path)["step"] == int(path.name.split("-")[1])
    SentenceTransformer(str(path), device="cpu")


@pytest.mark.parametrize("case", TRAINING, ids=case_id)
def test_write_error_in_training(case, fault_inputs, faults, cselab, references, tmp_path) -> None:
    out = tmp_path / ("run" if case.command == "train" else "sweep")
    run = out if case.command == "train" else out / SWEEP_RUN
    args = arguments(case.command, fault_inputs, out)
    if case.fault == DISK_FILLS:
        with faults.fill_disk_after("*checkpoints/step-000002"):
            outcome = cselab(args)
    elif case.target == "metrics.csv":  # rows of steps 0, 1, 2 written; step 3's append fails
        _inject(faults, case, "*metrics.csv*", skip=3)
        outcome = cselab(args)
    elif case.target == "checkpoint":
        _inject(faults, case, "*step-000004.tmp*")
        outcome = cselab(args)
    else:
        _inject(faults, case, f"*{case.target}*")
        outcome = cselab(args)
    faults.undo()
    line = _one_error(outcome)
    assert faults.injected, "the fault was never hit"
    assert leftovers(out) == []
    if case.target == "checkpoint":
        assert repr(str(run / "checkpoints" / "step-000004")) in line, line
        assert "step-000002 is intact" in line, line
        assert [step for step, _ in list_checkpoints(run)] == [2]
        _assert_checkpoint_loads(run / "checkpoints" / "step-000002")
    else:
        assert repr(str(run / case.target)) in line and ERRORS[case.fault.key] in line, line
    if case.target == "metrics.csv":
        kept = comparable_rows(run)
        assert sorted(set(kept["step"])) == [0, 1, 2]
        pd.testing.assert_frame_equal(kept, comparable_rows(references[case.command], 2))
    if case.target == "summary.json":
        assert not (run / "summary.json").exists()
    rerun = cselab(args)
    assert rerun.code == 0, rerun.err
    if case.result == "resumed equal":
        assert "resumed from step 2" in rerun.out or case.command == "sweep", rerun.out
        assert_resumed_equal(run, references[case.command])
