"""Commands that write an output hold its lock, and check it, before they do any work.

``guarded(command, option, kind)`` wraps a command function so that, when its ``option``
(``out``) names a path, the path is checked and locked (:func:`cselab.io.locks.output_lock`)
before the command body runs — before any model is loaded or sentence encoded — and
released when it returns or fails. ``cselab train`` locks its run folder in the library
(:func:`cselab.training.trainer.train`), since the folder comes from its config.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from cselab.io.locks import output_lock
from cselab.training.launch_env import read_env


def guarded(command: Callable[..., Any], option: str, kind: str) -> Callable[..., Any]:
    """``command`` holding the lock of the output named by its keyword ``option``."""
    name = "cselab " + command.__name__

    @functools.wraps(command)
    def run(**arguments: Any) -> Any:
        target = arguments.get(option)
        if target is None:
            return command(**arguments)
        # under torchrun only rank 0 writes, so only rank 0 holds the lock
        with output_lock(target, name, kind=kind, enabled=read_env().is_main):
            return command(**arguments)

    return run
