"""A loss given by name or as a module of :data:`cselab.losses.LOSSES`, resolved to the name
and keyword parameters of its gradient parts.

This is the only place where :mod:`cselab.gradients` looks at a loss module: it reads the
hyper-parameters the parts function takes (``temperature``, ``margin``, ...) from the
module's attributes of the same name; it never calls the module.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from torch import nn

from cselab.errors import CselabError
from cselab.losses import LOSSES

LossLike = str | nn.Module


def registered_name(loss: nn.Module) -> str:
    """The ``LOSSES`` key of a loss module's class (the exact class first, then a base)."""
    for name, cls in LOSSES.items():
        if type(loss) is cls:
            return name
    for name, cls in LOSSES.items():
        if isinstance(loss, cls):
            return name
    raise CselabError(
        f"loss module {type(loss).__name__} is not a cselab loss; give a name or an "
        f"instance of one of {sorted(LOSSES)}"
    )


def keyword_parameters(function: Callable[..., Any]) -> list[str]:
    """The keyword-only parameter names of ``function`` (a parts function's hyper-parameters)."""
    signature = inspect.signature(function)
    return [p.name for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY]


def resolve_loss(
    loss: LossLike, params: Mapping[str, Any], registry: Mapping[str, Callable[..., Any]]
) -> tuple[str, dict[str, Any]]:
    """(name, parameters) of a loss name or module; ``registry`` maps names to parts functions.

    For a module the parameters are its attributes named like the keyword parameters of
    ``registry[name]``; giving keyword ``params`` as well is an error (one source of truth).
    """
    name = loss if isinstance(loss, str) else registered_name(loss)
    if name not in registry:
        raise CselabError(
            f"loss {name!r} has no unified gradient form; supported: {sorted(registry)}"
        )
    if isinstance(loss, str):
        return name, dict(params)
    if params:
        raise CselabError(
            f"give the hyper-parameters of {name!r} through its module, not also as keywords "
            f"({', '.join(sorted(params))})"
        )
    names = keyword_parameters(registry[name])
    return name, {key: getattr(loss, key) for key in names if hasattr(loss, key)}
