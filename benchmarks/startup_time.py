"""Start-up time of ``cselab --version``, ``cselab -h`` and ``import cselab``, side by side.

Each command runs in a fresh interpreter with ``PYTHONPATH`` set to a source tree: this
checkout's ``src`` and, with ``--baseline DIR``, another checkout's (e.g. the main branch
before the lazy imports), interleaved (baseline, this, baseline, this, ...) so that load on
a shared machine hits both alike. Prints the median wall time of ``--repeats`` runs of
each, their ratio, and the heavy libraries each import leaves loaded::

    python benchmarks/startup_time.py [--baseline /work/main/src] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
COMMANDS = {
    "cselab --version": ["-m", "cselab.cli.main", "--version"],
    "cselab -h": ["-m", "cselab.cli.main", "-h"],
    "import cselab": ["-c", "import cselab"],
}
HEAVY = ("torch", "transformers", "sentence_transformers", "pandas", "matplotlib")


def wall_seconds(src: Path, arguments: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(src), "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, *arguments], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def heavy_modules(src: Path, statement: str) -> list[str]:
    code = f"import sys\n{statement}\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return [name for name in out.stdout.decode().strip().split(",") if name]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout's src/")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    trees = {"this": SRC} if args.baseline is None else {"baseline": args.baseline, "this": SRC}
    for label, arguments in COMMANDS.items():
        times: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(args.repeats):
            for name, src in trees.items():
                times[name].append(wall_seconds(src, arguments))
        medians = {name: statistics.median(values) for name, values in times.items()}
        line = "  ".join(f"{name} {seconds:.2f} s" for name, seconds in medians.items())
        if "baseline" in medians:
            line += f"  ratio {medians['baseline'] / medians['this']:.1f}x"
        print(f"{label:18s} median of {args.repeats}: {line}")
    for name, src in trees.items():
        for statement in ("import cselab", "import cselab.cli.main"):
            print(f"{name}: {statement} loads {heavy_modules(src, statement) or 'none of'} {HEAVY}")
    print(f"load average: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
