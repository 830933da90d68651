"""Crash-safe checkpoints: ``RUN_DIR/checkpoints/step-000200/``.

Each checkpoint is a SentenceTransformer directory (loads with plain
``SentenceTransformer(path)``) plus ``trainer_state.pt`` — optimizer, scheduler, the loss
module's parameters (a trainable predictor, say), every RNG state (python, numpy, torch,
CUDA) and the step and running-loss counters — and ``config.yaml``. The state holds only
tensors and plain containers and is read with ``torch.load(weights_only=True)``. A
checkpoint is written into ``step-XXXXXX.tmp`` and renamed when complete, so a crash (even
``kill -9``) leaves either a whole checkpoint or a ``.tmp`` directory that is ignored; a
write error (a full disk) deletes the ``.tmp`` directory and names the last complete one.
"""

from __future__ import annotations

import os
import random
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from cselab.errors import CselabError
from cselab.io.atomic import OutputWriteError, atomic_directory

STATE_FILE = "trainer_state.pt"
#: What every trainer state holds (``optimizer`` is absent from a finished run's last one).
REQUIRED_STATE = {"step", "totals", "components", "loss", "scheduler", "rng"}
_NAME = re.compile(r"^step-(\d{6,})$")


def checkpoint_dir(run_dir: str | os.PathLike[str], step: int) -> Path:
    return Path(run_dir) / "checkpoints" / f"step-{step:06d}"


def list_checkpoints(run_dir: str | os.PathLike[str]) -> list[tuple[int, Path]]:
    """Complete checkpoints as (step, path), oldest first (``.tmp`` leftovers are skipped).
    A checkpoint folder without its trainer state is an error: checkpoints are renamed into
    place only when complete, so one was damaged, and resuming before it would silently
    retrain (or restart) instead."""
    root = Path(run_dir) / "checkpoints"
    if not root.is_dir():
        return []
    found = []
    for path in root.iterdir():
        match = _NAME.match(path.name)
        if match is None:
            continue
        if not (path / STATE_FILE).is_file():
            raise CselabError(
                f"checkpoint {str(path)!r} has no {STATE_FILE}: it is damaged; delete it to "
                "resume from the checkpoint before it"
            )
        found.append((int(match.group(1)), path))
    return sorted(found)


def latest_checkpoint(run_dir: str | os.PathLike[str]) -> tuple[int, Path] | None:
    checkpoints = list_checkpoints(run_dir)
    return checkpoints[-1] if checkpoints else None


def rng_state() -> dict[str, Any]:
    """Python, numpy and torch RNG states as tensors and plain containers."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state(legacy=True)  # type: ignore[misc]
    version, py_state, py_gauss = random.getstate()
    state: dict[str, Any] = {
        "python": [version, torch.tensor(py_state, dtype=torch.int64), py_gauss],
        "numpy": [kind, torch.from_numpy(np.asarray(keys, dtype=np.int64)), pos, has_gauss, gauss],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    version, py_state, py_gauss = state["python"]
    random.setstate((version, tuple(int(x) for x in py_state.tolist()), py_gauss))
    kind, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(
    run_dir: str | os.PathLike[str],
    step: int,
    model,
    trainer_state: dict[str, Any],
    config_yaml: str,
) -> Path:
    """Write model + trainer state + config to a temp dir, fsync, rename it into place; a
    write error (full disk, ...) deletes the temp dir and names the last complete one."""
    final = checkpoint_dir(run_dir, step)
    try:
        with atomic_directory(final, what="checkpoint") as tmp:
            model.save(str(tmp))
            torch.save(trainer_state, tmp / STATE_FILE)
            (tmp / "config.yaml").write_text(config_yaml, encoding="utf-8")
    except OutputWriteError as exc:
        last = latest_checkpoint(run_dir)
        kept = f"{last[1].name} is intact" if last else "there is no earlier one"
        raise OutputWriteError(f"{exc} (the last complete checkpoint: {kept})") from exc
    return final


def prune_checkpoints(
    run_dir: str | os.PathLike[str], keep: int | None, protect: frozenset[int] = frozenset()
) -> list[int]:
    """Delete all but the newest ``keep`` checkpoints (all kept when None) and those in
    ``protect``; each is renamed away before it is deleted, so no half-deleted checkpoint
    is ever in place. Returns the deleted steps."""
    if keep is None:
        return []
    doomed_steps = []
    for step, old in list_checkpoints(run_dir)[:-keep]:
        if step in protect:
            continue
        doomed = old.with_name(old.name + ".deleting")
        shutil.rmtree(doomed, ignore_errors=True)  # a leftover of an earlier attempt
        os.replace(old, doomed)
        shutil.rmtree(doomed, ignore_errors=True)
        doomed_steps.append(step)
    return doomed_steps


def load_trainer_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read ``trainer_state.pt`` with ``weights_only=True`` (no pickled code runs)."""
    source = Path(path) / STATE_FILE
    if not source.is_file():
        raise CselabError(f"checkpoint {str(path)!r} has no {STATE_FILE}")
    try:
        state = torch.load(source, map_location="cpu", weights_only=True)
    except Exception as exc:  # a corrupt file: name it (torch's own text suggests unsafe loading)
        raise CselabError(
            f"checkpoint state {str(source)!r} is damaged: it is not a trainer state that "
            f"cselab can read ({type(exc).__name__}); delete the checkpoint folder "
            f"{str(path)!r} to resume from the checkpoint before it"
        ) from None
    missing = sorted(REQUIRED_STATE - set(state) if isinstance(state, dict) else REQUIRED_STATE)
    if missing:
        raise CselabError(f"checkpoint state {str(source)!r} lacks {missing}: it is damaged")
    return state
