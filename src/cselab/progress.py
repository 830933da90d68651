"""Progress of long steps and one-line notes, shared by every cselab command.

Library code reports what it does through :func:`task` (a step with a known or unknown
number of units: batches, models, datasets, runs) and :func:`note` (one line: the model
just loaded, a probe's result). How that shows is chosen once, by the command line
(:func:`showing`), never by the code that reports:

- ``bar``: a rich progress bar per task with elapsed time and ETA (on a terminal);
- ``lines``: plain lines for logs and pipes — a start line, at most one line every
  ``interval`` seconds while it runs (done/total, elapsed, ETA), an end line;
- ``off``: nothing (``--quiet``, and the default for library use);
- ``auto``: ``bar`` when stderr is a terminal, ``lines`` otherwise.

Everything goes to stderr, so a command's results on stdout stay clean. The ETA is the
elapsed time scaled by the fraction still to do (linear extrapolation, as tqdm and rich do).
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from cselab.errors import CselabError

MODES = ("auto", "bar", "lines", "off")
#: Seconds between two progress lines of one task in ``lines`` mode.
LINE_INTERVAL = 10.0


def _seconds(value: float) -> str:
    """12.3 s, 4 min 05 s, 1 h 02 min."""
    if value < 60:
        return f"{value:.1f} s"
    minutes, secs = divmod(int(round(value)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@dataclass
class Task:
    """One long step: ``advance(n)`` after each unit of work, or ``update(done, total)``."""

    reporter: Reporter
    description: str
    total: int | None
    unit: str = ""
    done: int = 0
    started: float = field(default_factory=lambda: time.perf_counter())
    last_line: float = field(default_factory=lambda: time.perf_counter())
    bar_id: TaskID | None = None

    def advance(self, n: int = 1) -> None:
        """``n`` more units are done."""
        self.update(self.done + n)

    def update(self, done: int, total: int | None = None) -> None:
        """``done`` units of ``total`` (unchanged when None) are done."""
        self.done = done
        if total is not None:
            self.total = total
        self.reporter._show(self)

    def describe(self, description: str) -> None:
        """Change what the task says it is doing (the probe part under way, say)."""
        self.description = description
        self.reporter._show(self, force=False)

    def status(self, *, eta: bool = True) -> str:
        """``40/100 sentences (40 %), 3.2 s, ETA 4.8 s``; without a total no share and no
        ETA (``12 figures, 3.2 s``, or only the time when nothing was counted)."""
        elapsed = time.perf_counter() - self.started
        unit = f" {self.unit}" if self.unit else ""
        if not self.total:
            counted = f"{self.done}{unit}, " if self.done else ""
            return f"{counted}{_seconds(elapsed)}"
        share = min(1.0, self.done / self.total)
        text = f"{self.done}/{self.total}{unit} ({100 * share:.0f} %), {_seconds(elapsed)}"
        if eta and 0 < share < 1:
            text += f", ETA {_seconds(elapsed * (1 - share) / share)}"
        return text


class Reporter:
    """Shows tasks and notes in one mode (see the module docstring)."""

    def __init__(self, mode: str = "off", *, interval: float = LINE_INTERVAL) -> None:
        if mode not in MODES:
            raise CselabError(f"progress mode {mode!r}; choose one of {list(MODES)}")
        self.requested = mode
        self.interval = interval
        self._bar: Progress | None = None
        self._active = 0

    @property
    def mode(self) -> str:
        """The mode in effect (``auto`` resolved against the current stderr)."""
        if self.requested != "auto":
            return self.requested
        return "bar" if Console(stderr=True).is_terminal else "lines"

    def note(self, message: str) -> None:
        """One line of information (nothing in ``off`` mode)."""
        mode = self.mode
        if mode == "off":
            return
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False)
        else:
            print(message, file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def task(self, description: str, total: int | None = None, unit: str = "") -> Iterator[Task]:
        """A long step; the end line (``lines`` mode) says how long it took."""
        current = Task(self, description, total, unit)
        mode = self.mode
        if mode == "bar":
            if self._bar is None:
                self._bar = _rich_progress()
                self._bar.start()
            current.bar_id = self._bar.add_task(description, total=total)
        elif mode == "lines":
            size = "" if total is None else f" ({total} {unit}".rstrip() + ")"
            self.note(f"{description}{size} ...")
        self._active += 1
        finished = False
        try:
            yield current
            finished = True
        finally:
            self._active -= 1
            if mode == "lines":
                end = "done" if finished else "stopped"
                self.note(f"{current.description}: {end}, {current.status(eta=False)}")
            if self._bar is not None and self._active == 0:
                self._bar.stop()
                self._bar = None

    def _show(self, task: Task, *, force: bool = True) -> None:
        if task.bar_id is not None and self._bar is not None:
            self._bar.update(
                task.bar_id, completed=task.done, total=task.total, description=task.description
            )
        elif force and self.mode == "lines":
            now = time.perf_counter()
            if now - task.last_line >= self.interval:
                task.last_line = now
                self.note(f"{task.description}: {task.status()}")


def _rich_progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )


_current = Reporter("off")


def reporter() -> Reporter:
    """The reporter in effect."""
    return _current


@contextlib.contextmanager
def showing(mode: str, *, interval: float = LINE_INTERVAL) -> Iterator[Reporter]:
    """Show progress and notes in ``mode`` inside the block (the previous mode after it)."""
    global _current
    previous, _current = _current, Reporter(mode, interval=interval)
    try:
        yield _current
    finally:
        _current = previous


def note(message: str) -> None:
    """One line of information, through the reporter in effect."""
    _current.note(message)


def task(description: str, total: int | None = None, unit: str = ""):
    """A long step, through the reporter in effect (a context manager giving a :class:`Task`)."""
    return _current.task(description, total, unit)
