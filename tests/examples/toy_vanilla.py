"""A toy corpus and a toy run of examples/vanilla/pretrain_mlm.py, shared by the examples' tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "examples" / "vanilla" / "pretrain_mlm.py"
TOY = ["--layers", "2", "--hidden", "32", "--heads", "2", "--intermediate", "64",
       "--max-length", "24", "--batch-size", "8", "--eval-lines", "16",
       "--contrastive-lines", "24", "--eval-every", "2", "--save-every", "2", "--threads", "1"]  # fmt: skip


def corpus(path: Path, n: int = 120) -> Path:
    words = [
        "the",
        "a",
        "cat",
        "dog",
        "runs",
        "sleeps",
        "on",
        "under",
        "mat",
        "table",
        "quickly",
        "slowly",
        "red",
        "blue",
    ]
    lines = [
        " ".join(words[(i * 7 + j * 3) % len(words)] for j in range(4 + i % 9)) for i in range(n)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def pretrain(corpus: Path, out: Path, steps: int) -> subprocess.CompletedProcess:
    command = [sys.executable, str(SCRIPT), "--corpus", str(corpus), "--out", str(out),
               "--steps", str(steps), *TOY]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=300)
