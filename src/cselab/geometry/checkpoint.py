"""Checkpoints of a running analysis: the statistics after N batches, saved atomically.

``save_checkpoint`` writes the stream's ``state_dict`` with the number of batches done
and a fingerprint of the run (plan, model, corpus, process count) to a temporary file and
renames it into place, so a kill at any moment leaves the previous checkpoint whole.
``load_checkpoint`` refuses a checkpoint of another run. A resumed run skips the batches
done (their forward passes) and merges on: its numbers equal an uninterrupted run's.
Loaded with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import torch

from cselab.errors import CselabError


def checkpoint_path(out_dir: str | os.PathLike[str], rank: int = 0) -> Path:
    """Where rank ``rank`` keeps its checkpoint under an output folder."""
    return Path(out_dir) / "geometry-checkpoint" / f"rank-{rank}.pt"


def save_checkpoint(path: Path, state: dict[str, Any], batches: int, run: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"state": state, "batches": batches, "run": run}, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path, run: dict[str, Any]) -> tuple[dict[str, Any], int] | None:
    """(stream state, batches done) of a matching checkpoint; None if there is none."""
    if not path.is_file():
        return None
    try:
        saved = torch.load(path, weights_only=True)
        state, batches, saved_run = saved["state"], int(saved["batches"]), saved["run"]
    except Exception as error:  # noqa: BLE001 - any unreadable file is named the same way
        raise CselabError(f"geometry checkpoint {str(path)!r} cannot be read ({error})") from None
    if saved_run != run:
        changed = sorted(k for k in set(run) | set(saved_run) if run.get(k) != saved_run.get(k))
        raise CselabError(
            f"geometry checkpoint {str(path)!r} belongs to another analysis (different "
            f"{', '.join(changed)}); delete it or write to another --out"
        )
    return state, batches


def remove_checkpoint(path: Path) -> None:
    """Drop a finished run's checkpoint (and its folder when empty)."""
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # other ranks' files may still be there
        path.parent.rmdir()
