"""Quick runs of every command on tiny inputs, in this process, and a lock held elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cselab
from cselab.cli.main import main

FOLDER, FILE = "folder", "file"  # the kinds of cselab.io.output_paths
LOCK_FILE = ".cselab.lock"  # cselab.io.locks.LOCK_FILE (spelt out: the suite also runs on old code)
FILE_OUTPUTS = {"evaluate": "sts.json", "report": "report.html"}


@dataclass(frozen=True)
class Inputs:
    """What the commands read; :func:`missing_inputs` gives paths that do not exist."""

    model: Path
    corpus: Path
    sentences: Path
    pairs: Path
    run: Path  # a training run's folder (metrics.csv)
    sweep_config: Path
    loss: str = "info_nce"  # what `cselab gradients` decomposes


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    def errors(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error:")]

    def warnings(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("warning:")]


def output_kind(command: str) -> str:
    return FILE if command in FILE_OUTPUTS else FOLDER


def lock_file(out: Path, command: str) -> Path:
    """The lock file of ``command``'s output ``out``."""
    return out / LOCK_FILE if output_kind(command) == FOLDER else out.with_name(f".{out.name}.lock")


def output_in(folder: Path, command: str) -> Path:
    """Where ``command`` writes when its output goes into ``folder``."""
    return folder / FILE_OUTPUTS.get(command, "out")


def arguments(command: str, inputs: Inputs, out: Path) -> list[str]:
    """A run of a few seconds at most on the tiny model."""
    model = str(inputs.model)
    return {
        "train": [
            "train", "--model", model, "--loss", "info_nce", "--data", str(inputs.sentences),
            "--data-kind", "sentences", "--batch-size", "8", "--steps", "4",
            "--checkpoint-every", "2", "--probe-every", "1", "--max-seq-length", "16",
            "--set", "probe_geometry=false", "--set", "progress=false", "--out", str(out),
        ],
        "sweep": ["sweep", "--config", str(inputs.sweep_config), "-t", "0.05", "--out", str(out)],
        "geometry": ["geometry", model, "--corpus", str(inputs.corpus), "--out", str(out)],
        "compare": [
            "compare", model, model, "--corpus", str(inputs.corpus), "--top-n", "6",
            "--min-n", "1", "--k", "2", "--out", str(out),
        ],
        "gradients": [
            "gradients", inputs.loss, "--pos-grid", "0.5,0.9", "--neg-grid", "0.0,0.4",
            "--rows", "4", "--negatives", "3", "--out", str(out),
        ],
        "dynamics": ["dynamics", str(inputs.run), "--out", str(out)],
        "evaluate": ["evaluate", model, "--data", f"{inputs.pairs}?name=toy", "--out", str(out)],
        "report": ["report", str(inputs.run), "-o", str(out)],
    }[command]  # fmt: skip


def missing_inputs(inputs: Inputs, where: Path) -> Inputs:
    """Inputs that do not exist (but the training data, which a config must name; the loss
    of `cselab gradients` is unknown): a command that checks its output first names the
    output, one that reads first fails on an input."""
    gone = where / "missing"
    return Inputs(
        model=gone / "model",
        corpus=gone / "corpus.txt",
        sentences=inputs.sentences,
        pairs=gone / "pairs.tsv",
        run=gone / "run",
        sweep_config=gone / "base.yaml",
        loss="no_such_loss",
    )


def exit_status(args: list[str]) -> int:
    """Run ``cselab ARGS`` in this process; its exit status."""
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def run_cselab(args: list[str], capsys) -> Outcome:
    """``cselab ARGS`` in this process; its exit status and what it printed."""
    capsys.readouterr()
    code = exit_status(args)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


_HOLDER = """
import os, sys
from cselab.io.locks import output_lock
with output_lock(sys.argv[1], "cselab " + sys.argv[3], kind=sys.argv[2]):
    print("held", flush=True)
    if sys.stdin.readline().strip() == "crash":
        os._exit(1)  # dies holding the lock: no clean-up, as a crash or kill -9
"""


def subprocess_env() -> dict[str, str]:
    source = str(Path(cselab.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (source, os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "HF_HUB_OFFLINE": "1"}


@contextmanager
def lock_held_elsewhere(target: Path, command: str, *, crash: bool = False) -> Iterator[int]:
    """Another process holds ``target``'s lock in the block (yields its pid); at the end it
    releases it, or with ``crash`` dies without releasing it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(target), output_kind(command), command],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=subprocess_env(),
    )  # fmt: skip
    try:
        ready = holder.stdout.readline() if holder.stdout else ""
        assert ready.strip() == "held", holder.stderr.read() if holder.stderr else ""
        yield holder.pid
    finally:
        if holder.stdin:
            holder.stdin.write("crash\n" if crash else "\n")
            holder.stdin.close()
        holder.wait(timeout=60)


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name -> bytes), lock files included."""
    if not folder.is_dir():
        return {}
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def leftovers(folder: Path) -> list[str]:
    """Temporary files or folders left under ``folder`` (``.tmp`` names)."""
    return [str(p) for p in folder.rglob("*") if p.name.endswith(".tmp") or ".tmp" in p.suffixes]


#: A file each command's quick run writes (relative to a folder output), to check it ran.
PRODUCES = {
    "train": "checkpoints/step-000004/trainer_state.pt",
    "sweep": "tau0.05-bs8-model/checkpoints/step-000004/trainer_state.pt",
    "geometry": "summary.json",
    "compare": "ssc_tokens.csv",
    "gradients": "gradients.csv",
    "dynamics": "dynamics.csv",
    "evaluate": "",
    "report": "",
}


def produced(command: str, out: Path) -> Path:
    return out / PRODUCES[command] if PRODUCES[command] else out


def run_rows(run: str = "run-a") -> list[dict]:
    """A training run's tidy rows: train loss, and a per-layer metric at two layers."""
    rows = [
        {"run": run, "step": s, "metric": "train_loss", "value": 2.0 / (s + 1)} for s in (0, 2, 4)
    ]
    rows += [
        {"run": run, "step": s, "model": "m", "layer": layer, "metric": "anisotropy",
         "value": 0.3 + s / 40 + layer / 70}
        for s in (0, 2, 4) for layer in (0, 2)
    ]  # fmt: skip
    return rows
