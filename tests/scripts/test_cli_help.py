"""docs/cli.md is what `cselab <command> --help` prints today (scripts/cli_help.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "cli_help.py"


def load_script():
    spec = importlib.util.spec_from_file_location("cli_help", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_page_matches_the_help_of_every_command() -> None:
    from cselab.cli.main import COMMANDS

    script = load_script()
    page = script.PAGE.read_text(encoding="utf-8")
    assert page == script.render(), "docs/cli.md is out of date: run python scripts/cli_help.py"
    assert all(f"\n## cselab {name}\n" in page for name in COMMANDS)
    assert all(f"Usage: cselab {name} [OPTIONS]" in page for name in COMMANDS)
