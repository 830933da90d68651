"""What every command shares: ``--quiet``, cselab's progress display, no Hugging Face bars.

:func:`with_common_options` adds ``-q/--quiet`` to a command's own options and runs the
command with progress shown (``auto``: bars on a terminal, plain lines otherwise; nothing
with ``--quiet``), the Hugging Face "Loading weights" / "Writing model shards" bars
silenced (cselab prints its own line per model) and both restored afterwards.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import typer

from cselab import progress

QUIET = typer.Option(
    False, "--quiet", "-q", help="Print results and errors only: no progress, no notes."
)


@contextlib.contextmanager
def hugging_face_bars_off() -> Iterator[None]:
    """Silence transformers' and huggingface_hub's progress bars inside the block."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def is_quiet() -> bool:
    """True inside a command run with ``--quiet``."""
    return progress.reporter().requested == "off"


def with_common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``command`` with ``-q/--quiet`` added, run under cselab's progress display."""

    @functools.wraps(command)
    def run(*args: Any, quiet: bool = False, **kwargs: Any) -> Any:
        with progress.showing("off" if quiet else "auto"), hugging_face_bars_off():
            return command(*args, **kwargs)

    signature = inspect.signature(command)
    option = inspect.Parameter("quiet", inspect.Parameter.KEYWORD_ONLY, default=QUIET)
    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), option]
    )
    run.__annotations__ = {**command.__annotations__, "quiet": "bool"}
    return run
