"""The cases of the fault-injection suite: one per (fault, command, file), each run by one
test of tests/faults/ whose parameter id is the case id.

``scripts/reliability_table.py`` runs the suite and writes the fault × command table of
docs/reliability.md and the README from these cases and their outcomes. The target of a
preemption case is the signal; of a divergence case, what is not finite.
"""

from __future__ import annotations

from dataclasses import dataclass

COMMANDS = ("train", "sweep", "geometry", "compare", "gradients", "dynamics", "evaluate", "report")
REFUSED, SURVIVED, RESUMED_EQUAL = "refused", "survived", "resumed equal"
SKIPPED = "skipped (counted)"
RESULTS = {
    REFUSED: "stopped before any work with one line naming the output; nothing written",
    SURVIVED: "the fault is named in one line; no result already written is lost or changed, "
    "no partial file is left where a complete one is expected",
    RESUMED_EQUAL: "survived, and rerunning the command resumes to the numbers of a run "
    "that had no fault",
    SKIPPED: "with `nan_policy: skip` the faulty step applies no update, is counted in the "
    "table (`skipped_steps`) and the run finishes",
}


@dataclass(frozen=True)
class Fault:
    key: str
    issue_item: int  # the item of issue #18
    label: str  # the row of the table


SECOND_WRITER = Fault("second-writer", 1, "a second process writes the same output")
STALE_LOCK = Fault("stale-lock", 1, "the output's lock was left by a process that died")
FULL_DISK = Fault("full-disk", 3, "disk full (ENOSPC) while a file is written")
IO_ERROR = Fault("io-error", 3, "I/O error (EIO) when a file is flushed (fsync)")
DISK_FILLS = Fault("disk-fills", 3, "disk fills after a checkpoint (torch/safetensors writers)")
CUT_SHORT = Fault("cut-short", 4, "last line of metrics.csv / dynamics.csv cut short")
READ_ONLY = Fault("read-only", 6, "output's parent folder is read-only")
PARENT_IS_FILE = Fault("parent-is-file", 6, "output's parent is a file")
WRONG_KIND = Fault("wrong-kind", 6, "output is a file where a folder is wanted, or the reverse")
PREEMPTED = Fault("preempted", 2, "SIGTERM (preemption, time limit) or SIGINT (Ctrl-C) mid-run")
DIVERGED = Fault("diverged", 5, "training diverges: a non-finite loss or gradient")
FAULTS = (
    SECOND_WRITER,
    STALE_LOCK,
    FULL_DISK,
    IO_ERROR,
    DISK_FILLS,
    CUT_SHORT,
    READ_ONLY,
    PARENT_IS_FILE,
    WRONG_KIND,
    PREEMPTED,
    DIVERGED,
)


@dataclass(frozen=True)
class FaultCase:
    fault: Fault
    command: str
    result: str
    target: str = ""  # the file the fault hits, where a command writes several (or the signal)

    @property
    def id(self) -> str:
        return "-".join(part for part in (self.fault.key, self.command, self.target) if part)


def _every_command(fault: Fault, result: str) -> list[FaultCase]:
    return [FaultCase(fault, command, result) for command in COMMANDS]


CASES: tuple[FaultCase, ...] = (
    *_every_command(SECOND_WRITER, REFUSED),
    *_every_command(STALE_LOCK, SURVIVED),
    FaultCase(FULL_DISK, "train", RESUMED_EQUAL, "metrics.csv"),
    FaultCase(FULL_DISK, "train", SURVIVED, "summary.json"),
    FaultCase(FULL_DISK, "sweep", RESUMED_EQUAL, "metrics.csv"),
    FaultCase(FULL_DISK, "geometry", SURVIVED, "metrics.csv"),
    FaultCase(FULL_DISK, "geometry", SURVIVED, "summary.json"),
    FaultCase(FULL_DISK, "compare", SURVIVED, "ssc_tokens.csv"),
    FaultCase(FULL_DISK, "gradients", SURVIVED, "gradients.csv"),
    FaultCase(FULL_DISK, "dynamics", SURVIVED, "dynamics.csv"),
    FaultCase(FULL_DISK, "evaluate", SURVIVED, "sts.json"),
    FaultCase(FULL_DISK, "report", SURVIVED, "report.html"),
    FaultCase(IO_ERROR, "train", RESUMED_EQUAL, "checkpoint"),
    FaultCase(IO_ERROR, "geometry", SURVIVED, "png"),
    FaultCase(IO_ERROR, "gradients", SURVIVED, "png"),
    FaultCase(IO_ERROR, "dynamics", SURVIVED, "png"),
    FaultCase(IO_ERROR, "evaluate", SURVIVED, "sts.json"),
    FaultCase(IO_ERROR, "report", SURVIVED, "report.html"),
    FaultCase(DISK_FILLS, "train", RESUMED_EQUAL, "checkpoint"),
    FaultCase(CUT_SHORT, "train", RESUMED_EQUAL, "metrics.csv"),
    FaultCase(CUT_SHORT, "dynamics", SURVIVED, "metrics.csv"),
    FaultCase(CUT_SHORT, "report", SURVIVED, "metrics.csv"),
    FaultCase(CUT_SHORT, "report", SURVIVED, "dynamics.csv"),
    *_every_command(READ_ONLY, REFUSED),
    *_every_command(PARENT_IS_FILE, REFUSED),
    *_every_command(WRONG_KIND, REFUSED),
    FaultCase(PREEMPTED, "train", RESUMED_EQUAL, "SIGTERM"),
    FaultCase(PREEMPTED, "train", RESUMED_EQUAL, "SIGINT"),
    FaultCase(PREEMPTED, "sweep", RESUMED_EQUAL, "SIGTERM"),
    FaultCase(DIVERGED, "train", SURVIVED, "loss"),
    FaultCase(DIVERGED, "train", SURVIVED, "gradient"),
    FaultCase(DIVERGED, "sweep", SURVIVED, "loss"),
    FaultCase(DIVERGED, "train", SKIPPED, "loss-nan_policy-skip"),
)


def cases_of(fault: Fault) -> list[FaultCase]:
    return [case for case in CASES if case.fault == fault]


def case_id(case: FaultCase) -> str:
    return case.id


def matrix(outcomes: dict[str, str] | None = None) -> str:
    """The fault × command table in Markdown: each cell the expected results (× n when n
    cases, files hit, have that result); ``outcomes`` (case id -> passed/failed) marks
    failed cases."""
    header = "| fault | issue #18 | " + " | ".join(f"`{c}`" for c in COMMANDS) + " |"
    lines = [header, "|" + " --- |" * (len(COMMANDS) + 2)]
    for fault in FAULTS:
        cells = []
        for command in COMMANDS:
            found = [c for c in CASES if c.fault == fault and c.command == command]
            counts = {
                r: sum(c.result == r for c in found) for r in sorted({c.result for c in found})
            }
            cell = ", ".join(r + (f" ×{n}" if n > 1 else "") for r, n in counts.items()) or "—"
            failed = [c for c in found if outcomes and outcomes.get(c.id) != "passed"]
            if failed:
                cell += f" (**{len(failed)} failed**)"
            cells.append(cell)
        lines.append(f"| {fault.label} | {fault.issue_item} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary_line(outcomes: dict[str, str]) -> str:
    tried = sum(1 for case in CASES if case.id in outcomes)
    passed = sum(1 for case in CASES if outcomes.get(case.id) == "passed")
    return (
        f"**{tried} fault cases tried, {passed} passed** (`pytest tests/faults`; "
        "`python scripts/reliability_table.py` runs them and rewrites this table)."
    )


def table_section(outcomes: dict[str, str]) -> str:
    """The README / docs block: the matrix, then the counts."""
    return matrix(outcomes) + "\n\n" + summary_line(outcomes)


def case_list(outcomes: dict[str, str]) -> str:
    """Every case: its id (the test's parameter), fault, command, file hit, result, outcome."""
    lines = [
        "| case (test id) | command | file hit | result | outcome |",
        "| --- | --- | --- | --- | --- |",
    ]
    for case in CASES:
        outcome = outcomes.get(case.id, "not run")
        lines.append(
            f"| `{case.id}` | `{case.command}` | {case.target or '—'} | {case.result} | {outcome} |"
        )
    return "\n".join(lines)
