"""Preemption: SIGTERM / SIGINT stop a run cleanly at the end of the current step.

A cluster scheduler preempts or times out a job with SIGTERM (Slurm then waits
``KillWait`` seconds, 30 by default, before SIGKILL; ``--signal=TERM@120`` sends it 120 s
before the time limit); Ctrl-C sends SIGINT. While a run trains, both only set a flag:
the current step finishes (or, if a probe or checkpoint is under way, that finishes), then
the run writes a checkpoint of that step, records the stop in ``summary.json`` and raises
:class:`RunStopped`, which the CLI turns into one line and exit status 128 + signal
(143 for SIGTERM, 130 for SIGINT), as a process killed by the signal would report. The
same command resumes from that checkpoint, to the weights of a run never stopped.

A second signal of the same kind gets the default action at once (SIGINT: a
``KeyboardInterrupt``, SIGTERM: the process ends); checkpoints are written to a temporary
folder and renamed, so even then no half-written checkpoint is left in place. Under
torchrun every rank sees the flag of any rank at the end of each step, so all stop at the
same step. Handlers are installed only in the main thread (Python's rule) and the previous
ones are restored afterwards.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class RunStopped(Exception):  # noqa: N818 (it is not an error: the run stopped as asked)
    """A run stopped by a signal after writing its checkpoint; ``exit_status`` is 128 + signal."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.signum = signum
        self.exit_status = 128 + signum


class StopRequest:
    """The first stop signal received (None until one arrives)."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum
        default = signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
        signal.signal(signum, default)  # a second one acts at once


@contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """Catch SIGTERM and SIGINT into a :class:`StopRequest` inside the block."""
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    for signum in STOP_SIGNALS:
        signal.signal(signum, request.handle)
    try:
        yield request
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def stopped_message(signum: int, step: int, checkpoint: str) -> str:
    return (
        f"stopped by {signal.Signals(signum).name} after step {step}: checkpoint "
        f"{checkpoint!r} written; run the same command again to resume"
    )
