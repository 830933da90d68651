"""The README and docs/reliability.md show the fault × command table of these cases."""

from __future__ import annotations

from pathlib import Path

from fault_cases import CASES, COMMANDS, RESULTS, case_list, table_section

REPO = Path(__file__).resolve().parents[2]


def _between(text: str, name: str) -> str:
    return text.split(f"<!-- {name}:start -->\n", 1)[1].split(f"\n<!-- {name}:end -->", 1)[0]


def test_cases_are_distinct_and_well_formed() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert all(case.command in COMMANDS and case.result in RESULTS for case in CASES)


def test_readme_and_docs_show_every_case() -> None:
    """Run `python scripts/reliability_table.py` when the cases change."""
    passed = {case.id: "passed" for case in CASES}
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    docs = (REPO / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert _between(readme, "fault-table") == table_section(passed)
    assert _between(docs, "fault-table") == table_section(passed)
    assert _between(docs, "fault-cases") == case_list(passed)
