"""Where a command writes, checked before it does any work.

An output is a folder (``--out DIR`` of train, sweep, geometry, compare, gradients,
dynamics) or a file (``evaluate --out FILE.json``, ``report -o FILE.html``). Before any
model is loaded or sentence encoded, :func:`prepare_output` refuses — one line naming the
output — a folder output that is an existing file, a file output that is a folder, and a
parent that is a file or cannot be created; missing folders are created (and removed
again by :func:`remove_empty` if the command ends without writing into them). Whether the
folder can be written (read-only file system, no permission, full disk) is proved by
creating the output's lock file in it (:mod:`cselab.io.locks`).
"""

from __future__ import annotations

import os
from pathlib import Path

from cselab.errors import CselabError

FOLDER, FILE = "folder", "file"


def output_folder(target: Path, kind: str) -> Path:
    """The folder that receives the output: ``target`` itself or, for a file, its parent."""
    if kind not in (FOLDER, FILE):
        raise ValueError(f"output kind {kind!r} is not {FOLDER!r} or {FILE!r}")
    return target if kind == FOLDER else target.parent


def prepare_output(path: str | os.PathLike[str], kind: str) -> list[Path]:
    """Check that ``path`` can take a command's output and create its missing folders;
    return the folders created, outermost first."""
    target = Path(path)
    if kind == FOLDER and target.exists() and not target.is_dir():
        raise CselabError(f"output folder {str(target)!r} is an existing file: give a folder")
    if kind == FILE and target.is_dir():
        raise CselabError(f"output file {str(target)!r} is a folder: give a file name")
    folder = output_folder(target, kind)
    missing = []
    for candidate in [folder, *folder.parents]:
        if candidate.is_dir():
            break
        if candidate.exists():
            raise CselabError(
                f"output {kind} {str(target)!r} cannot be created: {str(candidate)!r} is a "
                "file, not a folder"
            )
        missing.append(candidate)
    created: list[Path] = []
    for candidate in reversed(missing):
        try:
            candidate.mkdir()
        except FileExistsError:
            continue  # made meanwhile by another process
        except OSError as exc:
            remove_empty(created)
            raise CselabError(
                f"output {kind} {str(target)!r} cannot be created: {str(candidate)!r}: "
                f"{exc.strerror or exc}"
            ) from None
        created.append(candidate)
    return created


def remove_empty(folders: list[Path]) -> None:
    """Remove the ``folders`` (outermost first, as created) that are still empty."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            return
