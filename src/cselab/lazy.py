"""Deferred imports: names and registries whose objects are imported on first use.

Importing torch, transformers or matplotlib takes seconds; ``import cselab``, the
command line's ``--version`` / ``--help`` and a registry's list of names need none of
them. Two forms, both keyed by ``"module:attribute"`` targets written once:

- :class:`LazyRegistry`: a mapping (``LOSSES``, ``METRICS``) whose keys are known at
  once and whose values are imported when first read (entries can be set as in a dict);
- :func:`lazy_attributes`: a package's ``__getattr__`` / ``__dir__`` (PEP 562) that
  import a name when it is first used (``cselab.load_model``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def import_target(target: str) -> Any:
    """The object a ``"package.module:attribute"`` target names, imported now."""
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


class LazyRegistry(MutableMapping[str, T], Generic[T]):
    """A name -> object table whose objects are imported on first access (then kept).

    Iteration, ``len`` and ``in`` read the names only; ``registry[name]``, ``values()``
    and ``items()`` import what they return. An entry can be set to an object (a loss or
    metric of one's own, a test's stand-in) or deleted, as in a dict."""

    def __init__(self, targets: Mapping[str, str]) -> None:
        self._targets: dict[str, str | None] = dict(targets)  # None: set as an object
        self._loaded: dict[str, T] = {}

    def __getitem__(self, name: str) -> T:
        if name not in self._loaded:
            target = self._targets[name]
            assert target is not None  # an entry set as an object is always loaded
            self._loaded[name] = import_target(target)
        return self._loaded[name]

    def __setitem__(self, name: str, value: T) -> None:
        self._targets.setdefault(name, None)
        self._loaded[name] = value

    def __delitem__(self, name: str) -> None:
        del self._targets[name]
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._targets)

    def __len__(self) -> int:
        return len(self._targets)

    def __contains__(self, name: object) -> bool:
        return name in self._targets

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self._targets)})"


def lazy_attributes(
    namespace: dict[str, Any], targets: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for a package: a name of ``targets`` ("module" or
    "module:attribute"; the name itself when no attribute is given) is imported on first
    use and stored in ``namespace`` (the package's ``globals()``), so it is imported once."""
    package = namespace.get("__name__", "package")

    def __getattr__(name: str) -> Any:
        target = targets.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = import_target(target if ":" in target else f"{target}:{name}")
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(targets))

    return __getattr__, __dir__
