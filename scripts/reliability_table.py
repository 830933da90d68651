"""Run the fault-injection suite (tests/faults) and write its fault × command table.

    python scripts/reliability_table.py            # run the suite, rewrite README + docs
    python scripts/reliability_table.py --no-run   # from the cases alone, each marked passed

The table is generated from the cases in tests/faults/fault_cases.py and the outcome of
each case's test (its parameter id is the case id); it replaces the text between
``<!-- fault-table:start -->`` and ``<!-- fault-table:end -->`` in README.md and
docs/reliability.md (which also gets the per-case list between ``fault-cases`` markers).
tests/faults/test_reliability_table.py checks that both files match the cases.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "faults"))

from fault_cases import CASES, case_list, table_section  # noqa: E402

PARAMETER = re.compile(r"\[([^\]]+)\]$")


def run_suite() -> dict[str, str]:
    """Case id -> passed / failed / skipped, from one pytest run of tests/faults."""
    import pytest

    outcomes: dict[str, str] = {}
    known = {case.id for case in CASES}

    class Collector:
        def pytest_runtest_logreport(self, report) -> None:
            match = PARAMETER.search(report.nodeid)
            if not match or match.group(1) not in known:
                return
            counts = report.when == "call" or report.outcome != "passed"  # setup errors too
            if counts and outcomes.get(match.group(1)) in (None, "passed"):
                outcomes[match.group(1)] = report.outcome

    pytest.main(
        ["-q", "-p", "no:cacheprovider", str(REPO / "tests" / "faults")], plugins=[Collector()]
    )
    missing = sorted(known - set(outcomes))
    if missing:
        raise SystemExit(f"cases without a test: {missing}")
    return outcomes


def replace_between(text: str, name: str, block: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start not in text or end not in text:
        raise SystemExit(f"markers {start} ... {end} not found")
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    return f"{before}{start}\n{block}\n{end}{after}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-run", action="store_true", help="do not run the suite")
    outcomes = {case.id: "passed" for case in CASES} if parser.parse_args().no_run else run_suite()
    for name in ("README.md", "docs/reliability.md"):
        path = REPO / name
        text = replace_between(
            path.read_text(encoding="utf-8"), "fault-table", table_section(outcomes)
        )
        if name.startswith("docs"):
            text = replace_between(text, "fault-cases", case_list(outcomes))
        path.write_text(text, encoding="utf-8")
    failed = sorted(k for k, v in outcomes.items() if v != "passed")
    print(
        f"{len(outcomes)} cases, {len(outcomes) - len(failed)} passed; failed: {failed or 'none'}"
    )


if __name__ == "__main__":
    main()
