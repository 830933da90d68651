"""Faults injected into this process (the suite runs commands in-process): its file system
calls, its signals and its training steps.

- :meth:`Faults.fail_writes`: files opened for writing whose name matches a glob accept half
  of each ``write`` and then raise ``OSError(ENOSPC)`` — a disk that fills mid-file.
- :meth:`Faults.fail_fsync`: ``os.fsync`` of a matching file raises ``OSError(EIO)`` — the
  error a failing or network disk reports late, when data are flushed.
- :meth:`Faults.fill_disk_after`: once a matching path has been renamed into place, the
  process may write no file larger than ``limit`` bytes (``RLIMIT_FSIZE``): every writer,
  torch's and safetensors' native ones too, then fails as on a full disk (``EFBIG``).
- :meth:`Faults.read_only`: a folder where nothing can be created (``EROFS``). As root
  (where ``chmod`` does not stop writes) the calls that create files and folders are
  patched; otherwise the folder is really made read-only.

Training faults replace the trainer's step function:

- :meth:`Faults.signal_during_step`: the process sends itself SIGTERM or SIGINT while a
  given step runs, as a cluster scheduler or a Ctrl-C would.
- :meth:`Faults.non_finite_at_step`: a given step's loss, or only its gradient, is NaN.

Patterns match the whole path (``*metrics.csv*`` also matches a temporary name such as
``.metrics.csv.123.tmp``); lock files are never hit.
"""

from __future__ import annotations

import builtins
import errno
import fnmatch
import io
import os
import resource
import signal
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

WRITE_MODES = set("wax+")


def os_error(code: int) -> OSError:
    return OSError(code, os.strerror(code))


class HalfFullFile:
    """A file object whose writes store half the data, then fail with ``code``."""

    def __init__(self, handle, code: int) -> None:
        self._handle, self._code = handle, code

    def write(self, data):
        self._handle.write(data[: len(data) // 2])
        self._handle.flush()
        raise os_error(self._code)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self._handle.close()

    def __iter__(self):
        return iter(self._handle)

    def __getattr__(self, name: str):
        return getattr(self._handle, name)


def _matches(path: str, pattern: str) -> bool:
    """The file's name matches ``pattern`` (lock files never: faults hit data files)."""
    name = os.path.basename(path)
    return bool(name) and fnmatch.fnmatch(path, pattern) and not name.endswith(".lock")


def _path_of_descriptor(descriptor: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{descriptor}")
    except OSError:
        return ""


class Faults:
    """Fault injection for one test (undone by ``monkeypatch`` at its end)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.injected: list[str] = []  # the paths that got an error, for assertions
        self.cleanups: list = []  # run by the ``faults`` fixture at the end of the test

    def fail_writes(self, pattern: str, code: int = errno.ENOSPC, *, skip: int = 0) -> None:
        """Writes to matching files fail, after the first ``skip`` such files succeed."""
        real_open = builtins.open
        opened = [0]

        def failing_open(file, mode="r", *args, **kwargs):
            handle = real_open(file, mode, *args, **kwargs)
            path = os.fsdecode(file) if not isinstance(file, int) else ""
            if WRITE_MODES & set(mode) and _matches(path, pattern):
                opened[0] += 1
                if opened[0] > skip:
                    self.injected.append(path)
                    return HalfFullFile(handle, code)
            return handle

        self.monkeypatch.setattr(builtins, "open", failing_open)
        self.monkeypatch.setattr(io, "open", failing_open)

    def fail_fsync(self, pattern: str, code: int = errno.EIO) -> None:
        real_fsync = os.fsync

        def failing_fsync(descriptor) -> None:
            number = descriptor if isinstance(descriptor, int) else descriptor.fileno()
            path = _path_of_descriptor(number)
            if _matches(path, pattern):
                self.injected.append(path)
                raise os_error(code)
            real_fsync(descriptor)

        self.monkeypatch.setattr(os, "fsync", failing_fsync)

    def read_only(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            mode = folder.stat().st_mode
            folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
            self.cleanups.append(lambda: folder.chmod(mode))
            return
        inside = str(folder.resolve()) + os.sep

        def blocked(path) -> bool:
            return os.path.abspath(os.fsdecode(path)).startswith(inside)

        real_mkdir, real_os_open, real_open = os.mkdir, os.open, builtins.open

        def mkdir(path, *args, **kwargs):
            if blocked(path):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))
            return real_mkdir(path, *args, **kwargs)

        def os_open(path, flags, *args, **kwargs):
            writes = flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
            if writes and blocked(path):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))
            return real_os_open(path, flags, *args, **kwargs)

        def open_(file, mode="r", *args, **kwargs):
            if WRITE_MODES & set(mode) and not isinstance(file, int) and blocked(file):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(file))
            return real_open(file, mode, *args, **kwargs)

        self.monkeypatch.setattr(os, "mkdir", mkdir)
        self.monkeypatch.setattr(os, "open", os_open)
        self.monkeypatch.setattr(builtins, "open", open_)
        self.monkeypatch.setattr(io, "open", open_)

    def signal_during_step(self, step: int, signum: int) -> None:
        """The process gets ``signum`` while training step ``step`` runs (a scheduler's
        SIGTERM, a Ctrl-C), in `cselab train` and in each run of `cselab sweep`."""
        from cselab.training import trainer

        real_step = trainer.train_step

        def train_step(state, *args, **kwargs):
            outcome = real_step(state, *args, **kwargs)
            if state.step == step:
                self.injected.append(f"{signal.Signals(signum).name} at step {step}")
                os.kill(os.getpid(), signum)
            return outcome

        self.monkeypatch.setattr(trainer, "train_step", train_step)

    def non_finite_at_step(self, step: int, where: str) -> None:
        """Step ``step``'s loss is NaN (``where="loss"``: the objective times NaN), or its
        gradient while the loss stays finite (``"gradient"``: + sqrt(|0·x|), whose derivative
        at 0 is inf·0 = NaN)."""
        from cselab.training import trainer

        real_step = trainer.train_step

        def poisoned(objective):
            def loss(*views):
                value = objective(*views)
                if where == "loss":
                    return value * float("nan")
                return value + (views[0][0, 0] * 0.0).abs().sqrt()

            return loss

        def train_step(state, batch, objective, **kwargs):
            if state.step + 1 == step:
                self.injected.append(f"non-finite {where} at step {step}")
                objective = poisoned(objective)
            return real_step(state, batch, objective, **kwargs)

        self.monkeypatch.setattr(trainer, "train_step", train_step)

    def undo(self) -> None:
        """Remove every fault (the test's other monkeypatches too)."""
        while self.cleanups:
            self.cleanups.pop()()
        self.monkeypatch.undo()

    @contextmanager
    def fill_disk_after(self, pattern: str, limit: int = 100_000) -> Iterator[None]:
        """Within the block, once a path matching ``pattern`` is renamed into place, files
        larger than ``limit`` bytes can no longer be written."""
        real_replace = os.replace
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)

        def replace(src, dst, *args, **kwargs):
            real_replace(src, dst, *args, **kwargs)
            if fnmatch.fnmatch(os.fsdecode(dst), pattern):
                self.injected.append(os.fsdecode(dst))
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))

        previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        self.monkeypatch.setattr(os, "replace", replace)
        try:
            yield
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
            signal.signal(signal.SIGXFSZ, previous)
            self.monkeypatch.setattr(os, "replace", real_replace)
