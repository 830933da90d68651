"""One writer per output: an OS lock on a lock file, released on exit or crash.

A command that writes into a folder (``cselab train``'s run folder, ``geometry --out DIR``,
...) holds ``DIR/.cselab.lock``; one that writes a file (``report -o report.html``) holds
``.report.html.lock`` beside it. The lock is ``fcntl.flock`` (exclusive, non-blocking) on
that file: the kernel releases it when the process ends however it ends (exit, exception,
``kill -9``), so a lock can never outlive its holder. The file records the holder's pid,
host, command and start time; a second process is refused with one line naming the output
and the holder (:class:`OutputInUse`). The holder deletes the file when done; a file left
by a process that died is a stale lock: the next process takes the lock over and says so
(:class:`StaleLockWarning`). On NFS, Linux emulates ``flock`` with NFS byte-range locks,
which are seen by every client.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shlex
import socket
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from cselab.errors import CselabError
from cselab.io.output_paths import FILE, FOLDER, output_folder, prepare_output, remove_empty

LOCK_FILE = ".cselab.lock"


class OutputInUse(CselabError):
    """Another process holds the output's lock."""


class StaleLockWarning(UserWarning):
    """A lock file was left by a process that ended without releasing it; taken over."""


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, as recorded in the lock file."""

    pid: int
    host: str
    command: str
    started: str
    argv: str = ""

    @classmethod
    def this_process(cls, command: str) -> Holder:
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return cls(os.getpid(), socket.gethostname(), command, started, shlex.join(sys.argv))

    def describe(self) -> str:
        return f"process {self.pid} on {self.host} ({self.command}, since {self.started})"


def lock_file(target: Path, kind: str) -> Path:
    """``FOLDER/.cselab.lock`` for a folder output, ``.NAME.lock`` beside a file output."""
    folder = output_folder(target, kind)
    return folder / LOCK_FILE if kind == FOLDER else folder / f".{target.name}.lock"


def _read_holder(descriptor: int) -> Holder | None:
    try:
        data = json.loads(os.pread(descriptor, 65536, 0).decode("utf-8"))
        return Holder(**data)
    except (OSError, ValueError, TypeError):
        return None  # empty (being written, or its writer died first) or not ours


def _is_same_file(descriptor: int, path: Path) -> bool:
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(descriptor)
    return (held.st_dev, held.st_ino) == (found.st_dev, found.st_ino)


class OutputLock:
    """The lock on one output; :meth:`acquire` refuses if another process holds it."""

    def __init__(self, target: str | os.PathLike[str], command: str, kind: str = FOLDER):
        self.target, self.kind, self.command = Path(target), kind, command
        self.path = lock_file(self.target, kind)
        self.descriptor: int | None = None

    def _name(self) -> str:
        return f"output {self.kind} {str(self.target)!r}"

    def acquire(self) -> OutputLock:
        while True:  # retry when the holder deleted the file between our open and flock
            descriptor = self._open()
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(descriptor)
                os.close(descriptor)
                who = holder.describe() if holder else "another process"
                raise OutputInUse(
                    f"{self._name()} is in use by {who}: wait for it to end or write elsewhere"
                ) from None
            except OSError as exc:
                os.close(descriptor)
                raise CselabError(
                    f"{self._name()} cannot be locked ({str(self.path)!r}: {exc.strerror})"
                ) from None
            if _is_same_file(descriptor, self.path):
                break
            os.close(descriptor)
        self.descriptor = descriptor
        previous = _read_holder(descriptor)
        if previous is not None:
            warnings.warn(
                f"{self._name()} was locked by {previous.describe()}, which ended without "
                "releasing it: taking the lock over",
                StaleLockWarning,
                stacklevel=2,
            )
        self._record(Holder.this_process(self.command))
        return self

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise CselabError(
                f"{self._name()} cannot be written ({str(self.path)!r}: {exc.strerror})"
            ) from None

    def _record(self, holder: Holder) -> None:
        assert self.descriptor is not None
        try:
            os.ftruncate(self.descriptor, 0)
            os.pwrite(self.descriptor, json.dumps(asdict(holder)).encode("utf-8"), 0)
            os.fsync(self.descriptor)
        except OSError as exc:
            self.release()
            raise CselabError(
                f"{self._name()} cannot be written ({str(self.path)!r}: {exc.strerror})"
            ) from None

    def release(self) -> None:
        """Delete the lock file, then close it (which releases the lock)."""
        if self.descriptor is None:
            return
        if _is_same_file(self.descriptor, self.path):
            with contextlib.suppress(OSError):  # the folder went away: closing still releases
                self.path.unlink()
        os.close(self.descriptor)
        self.descriptor = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()


@contextmanager
def output_lock(
    path: str | os.PathLike[str], command: str, *, kind: str = FOLDER, enabled: bool = True
) -> Iterator[OutputLock | None]:
    """Check the output before any work (:func:`prepare_output`), hold its lock for the
    block, and remove the folders made for it if the block wrote nothing into them.
    ``enabled=False`` (the other ranks of a torchrun job) does nothing."""
    if not enabled:
        yield None
        return
    created = prepare_output(path, kind)
    lock = OutputLock(path, command, kind)
    try:
        lock.acquire()
    except BaseException:
        remove_empty(created)
        raise
    try:
        yield lock
    finally:
        lock.release()
        remove_empty(created)


__all__ = ["FILE", "FOLDER", "LOCK_FILE", "OutputInUse", "OutputLock", "output_lock"]
