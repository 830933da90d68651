"""The entry point starts without the heavy libraries: ``--version`` and ``-h`` import no
torch, transformers, pandas, numpy or matplotlib (each command imports what it needs when
it runs); start-up time itself is measured by benchmarks/startup_time.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cselab

SRC = Path(__file__).resolve().parents[2] / "src"
HEAVY = ("torch", "transformers", "sentence_transformers", "pandas", "numpy", "scipy",
         "matplotlib")  # fmt: skip


def run_python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


def loaded_after(statement: str) -> list[str]:
    """The heavy libraries a fresh interpreter holds after ``statement``."""
    code = f"import sys\n{statement}\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    return eval(result.stdout.strip().splitlines()[-1])


def test_the_command_line_starts_without_heavy_libraries() -> None:
    assert loaded_after("import cselab.cli.main") == []
    for flags in (["--version"], ["-h"], ["train", "-h"], ["geometry", "-h"]):
        call = f"from cselab.cli.main import main\ntry:\n    main({flags!r})\nexcept SystemExit:\n    pass"
        assert loaded_after(call) == [], flags


def test_the_probe_sees_a_heavy_import() -> None:
    """The check above can fail: running a command's body loads what it needs."""
    assert "torch" in loaded_after("import cselab.geometry.analysis")


def test_version_prints_the_package_version() -> None:
    code = "from cselab.cli.main import main\nmain(['--version'])"
    result = run_python(code)
    assert result.returncode == 0 and result.stdout.strip() == f"cselab {cselab.__version__}"
