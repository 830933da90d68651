"""Issue #18 item 4: a table whose last line a crash cut short. Every reader — resume,
dynamics, report — leaves the line out with a warning naming the file and line (resume
rewrites the table without it); never a crash, never a misread value."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fault_cases import CUT_SHORT, case_id, cases_of
from fault_commands import arguments, run_rows
from fault_training import assert_resumed_equal

from cselab.results.table import make_table, read_table, write_table

CASES = {case.id: case for case in cases_of(CUT_SHORT)}


def _cut_short(path: Path, keep: int) -> tuple[str, int]:
    """Cut the table's last line after ``keep`` characters (its line end and the rest lost;
    ``keep < 0``: 3 characters into the last field); return the cut line and its number."""
    lines = path.read_text(encoding="utf-8").splitlines()
    cut = lines[-1][: keep if keep >= 0 else lines[-1].rindex(",") + 4]
    path.write_text("\n".join(lines[:-1]) + "\n" + cut, encoding="utf-8")
    return cut, len(lines)


def _warned_once(outcome, path: Path, line: int) -> None:
    notes = [w for w in outcome.warnings() if "is cut short" in w]
    assert notes and all(n == notes[0] for n in notes), outcome.err
    assert f"{str(path)!r} line {line} is cut short" in notes[0], notes[0]


@pytest.mark.parametrize("case", [CASES["cut-short-dynamics-metrics.csv"]], ids=case_id)
def test_dynamics_ignores_a_cut_short_row(case, cselab, tmp_path) -> None:
    """The last row cut inside its value: read as it stands it would be a wrong number."""
    table = tmp_path / "run-a" / "metrics.csv"
    write_table(make_table(run_rows()), table)
    cut, line = _cut_short(table, keep=-1)  # "0.42857142857142855" -> "0.4"
    outcome = cselab(["dynamics", tmp_path / "run-a", "--out", tmp_path / "dynamics"])
    assert outcome.code == 0, outcome.err
    _warned_once(outcome, table, line)
    combined = read_table(tmp_path / "dynamics" / "dynamics.csv")
    expected = make_table(run_rows()[:-1]).assign(run="run-a")
    assert combined.drop(columns="run").equals(expected.drop(columns="run"))
    assert cut not in (tmp_path / "dynamics" / "dynamics.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "case",
    [CASES["cut-short-report-metrics.csv"], CASES["cut-short-report-dynamics.csv"]],
    ids=case_id,
)
def test_report_ignores_a_cut_short_row(case, cselab, tmp_path) -> None:
    """Cut inside the first field: read as it stands the row names no metric (a crash)."""
    folder = tmp_path / "inputs"
    table = folder / case.target
    write_table(make_table(run_rows()), table)
    _, line = _cut_short(table, keep=3)
    outcome = cselab(["report", folder, "-o", tmp_path / "report.html"])
    assert outcome.code == 0, outcome.err
    _warned_once(outcome, table, line)
    assert (tmp_path / "report.html").read_text(encoding="utf-8").rstrip().endswith("</html>")


@pytest.mark.parametrize("case", [CASES["cut-short-train-metrics.csv"]], ids=case_id)
def test_resume_repairs_a_cut_short_row(case, fault_inputs, references, cselab, tmp_path) -> None:
    """A run killed while its step-4 rows were being appended (last checkpoint: step 2)
    resumes, drops the cut line, and reaches the numbers of the run without fault."""
    run = tmp_path / "run"
    shutil.copytree(references["train"], run)
    shutil.rmtree(run / "checkpoints" / "step-000004")
    metrics = run / "metrics.csv"
    table = read_table(metrics)
    write_table(table[table["step"] <= 3], metrics)
    with metrics.open("a", encoding="utf-8") as handle:
        handle.write("run,4,")  # the first fields of a step-4 row, then the crash
    line = len(metrics.read_text(encoding="utf-8").splitlines())
    outcome = cselab(arguments("train", fault_inputs, run))
    assert outcome.code == 0, outcome.err
    assert "resumed from step 2" in outcome.out
    _warned_once(outcome, metrics, line)
    assert metrics.read_text(encoding="utf-8").endswith("\n")
    assert_resumed_equal(run, references["train"])
