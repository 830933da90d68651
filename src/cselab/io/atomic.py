"""Files and folders that are either complete or absent: temporary name, fsync, rename.

Every file cselab writes goes through :func:`atomic_file` (or :func:`write_text`,
:func:`write_bytes`, :func:`write_csv`; a checkpoint folder through
:func:`atomic_directory`): the data go to a temporary name beside the target, are flushed
and fsync'ed, then renamed over the target (``os.replace``, atomic on POSIX) and the
folder is fsync'ed so that the rename itself is on disk. A write error — a full disk
(ENOSPC), a failing disk (EIO), a file-size limit (EFBIG), or the same failure reported
by torch's or safetensors' own writers — removes the temporary file, leaves the previous
version of the target untouched, and is raised as one :class:`OutputWriteError` that names
the target and the error.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from cselab.errors import CselabError


class OutputWriteError(CselabError):
    """An output could not be written (full disk, I/O error, ...); the target is unchanged."""


def write_failure(target: Path, exc: BaseException, what: str) -> OutputWriteError:
    """``cannot write WHAT 'TARGET': REASON``; a reason from a library writer that does not
    say it was the disk (torch: "unexpected pos 576 vs 534") gets the free space added."""
    if isinstance(exc, OSError) and exc.strerror:
        reason = exc.strerror
    else:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
        reason += free_space_note(target)
    return OutputWriteError(f"cannot write {what} {str(target)!r}: {reason}")


def free_space_note(target: Path) -> str:
    folder = next((p for p in [target, *target.parents] if p.is_dir()), None)
    if folder is None:
        return ""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return ""
    return f" ({free / 2**20:.0f} MiB free on that disk)"


def temporary_name(target: Path) -> Path:
    """``.NAME.PID.tmp`` beside ``target``: hidden, and never another process's."""
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new entry in ``folder`` durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def atomic_file(
    path: str | os.PathLike[str], *, what: str = "file", binary: bool = False
) -> Iterator[IO[Any]]:
    """A handle on a temporary file that replaces ``path`` when the block ends without
    error; on any error the temporary file is removed and ``path`` is left as it was."""
    target = Path(path)
    tmp = temporary_name(target)
    try:
        tmp.unlink(missing_ok=True)
        with _create(tmp, binary) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        fsync_folder(target.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise write_failure(target, exc, what) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _create(path: Path, binary: bool) -> IO[Any]:
    """A new file (never one that exists), binary or UTF-8 text without newline translation."""
    if binary:
        return open(path, "xb")
    return open(path, "x", encoding="utf-8", newline="")


def write_text(path: str | os.PathLike[str], text: str, *, what: str = "file") -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    with atomic_file(path, what=what) as handle:
        handle.write(text)
    return Path(path)


def write_bytes(path: str | os.PathLike[str], data: bytes, *, what: str = "file") -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_file(path, what=what, binary=True) as handle:
        handle.write(data)
    return Path(path)


def write_csv(frame, path: str | os.PathLike[str], *, what: str = "table") -> Path:
    """Write a pandas frame as CSV (no index) to ``path`` atomically."""
    with atomic_file(path, what=what) as handle:
        frame.to_csv(handle, index=False)
    return Path(path)


def fsync_tree(folder: Path) -> None:
    """fsync every file under ``folder`` and every folder in it."""
    for root, _, files in os.walk(folder):
        for name in files:
            descriptor = os.open(Path(root) / name, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        fsync_folder(Path(root))


@contextmanager
def atomic_directory(path: str | os.PathLike[str], *, what: str = "folder") -> Iterator[Path]:
    """A temporary folder ``NAME.tmp`` to fill; when the block ends without error its files
    are fsync'ed and it is renamed to ``path`` (an existing ``path`` is moved aside first and
    deleted after). On any error — including the non-``OSError`` exceptions that torch's and
    safetensors' writers raise on a full disk — the temporary folder is deleted, ``path`` is
    untouched and :class:`OutputWriteError` names it."""
    final = Path(path)
    tmp = final.with_name(final.name + ".tmp")
    aside = final.with_name(final.name + ".deleting")
    try:
        shutil.rmtree(tmp, ignore_errors=True)  # a leftover of a crashed attempt
        tmp.mkdir(parents=True)
        yield tmp
        fsync_tree(tmp)
        _replace_folder(tmp, final, aside)
        fsync_folder(final.parent)
    except CselabError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except Exception as exc:  # the writers' own error types: RuntimeError, SafetensorError
        shutil.rmtree(tmp, ignore_errors=True)
        raise write_failure(final, exc, what) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _replace_folder(new: Path, final: Path, aside: Path) -> None:
    """Rename ``new`` to ``final``; an existing ``final`` is moved to ``aside`` first and moved
    back if the rename fails, so ``final`` is never missing."""
    if not final.exists():
        os.replace(new, final)
        return
    shutil.rmtree(aside, ignore_errors=True)
    os.replace(final, aside)
    try:
        os.replace(new, final)
    except BaseException:
        os.replace(aside, final)
        raise
