"""Every figure cselab saves or embeds is announced, so long figure work can show progress.

Reports, ``--plots`` and dynamics draw dozens of matplotlib figures (a report of one
geometry run: about 20 s on 2 CPU cores); :func:`figure_done` is called by
:func:`cselab.report.plots.save_figure` and :func:`~cselab.report.look.encode_png`,
and :func:`counting_figures` lets a caller count them (into a :mod:`cselab.progress` task).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from cselab import progress

_listeners: list[Callable[[int], None]] = []


def figure_done() -> None:
    """One more figure is written or embedded."""
    for listener in list(_listeners):
        listener(1)


@contextlib.contextmanager
def counting_figures(on_figure: Callable[[int], None]) -> Iterator[None]:
    """Inside the block, call ``on_figure(1)`` after each figure."""
    _listeners.append(on_figure)
    try:
        yield
    finally:
        _listeners.remove(on_figure)


@contextlib.contextmanager
def figures_task(description: str) -> Iterator[None]:
    """A :mod:`cselab.progress` task counting the figures drawn inside the block."""
    with progress.task(description, unit="figures") as task, counting_figures(task.advance):
        yield
