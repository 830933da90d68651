"""Deferred imports: registries list their names without importing, and the lazy packages
export exactly what their type-checking imports declare."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

from cselab.lazy import LazyRegistry, lazy_attributes

SRC = Path(__file__).resolve().parents[1] / "src"
LAZY_PACKAGES = ("cselab", "cselab.losses", "cselab.gradients")


def test_a_registry_lists_names_without_importing_and_imports_once() -> None:
    registry = LazyRegistry({"dumps": "json:dumps", "missing": "cselab_no_such_module:x"})
    assert list(registry) == ["dumps", "missing"] and len(registry) == 2
    assert "missing" in registry and "other" not in registry
    assert registry["dumps"] is json.dumps and registry["dumps"] is registry["dumps"]
    with pytest.raises(ModuleNotFoundError, match="cselab_no_such_module"):
        registry["missing"]
    with pytest.raises(KeyError):
        registry["other"]
    registry["own"] = len  # an object of one's own, as in a dict
    assert list(registry) == ["dumps", "missing", "own"] and registry["own"] is len
    del registry["missing"], registry["own"]
    assert list(registry) == ["dumps"] and "own" not in registry


def test_lazy_attributes_import_on_first_use_and_keep_the_value() -> None:
    namespace: dict = {"__name__": "fake"}
    getattr_, dir_ = lazy_attributes(namespace, {"dumps": "json", "load_text": "json:loads"})
    assert "dumps" not in namespace and dir_() == ["__name__", "dumps", "load_text"]
    assert getattr_("dumps") is json.dumps and namespace["dumps"] is json.dumps
    assert getattr_("load_text") is json.loads
    with pytest.raises(AttributeError, match="module 'fake' has no attribute 'nope'"):
        getattr_("nope")


def type_checking_names(package: str) -> set[str]:
    """The names a package imports under ``if TYPE_CHECKING:`` (what mypy sees)."""
    path = SRC / Path(*package.split(".")) / "__init__.py"
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom):
                    names |= {alias.asname or alias.name for alias in statement.names}
    return names


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_a_lazy_package_exports_what_it_declares(package: str) -> None:
    """``LAZY`` (what is imported on use) is what mypy is shown, all of it is exported,
    and every exported name resolves."""
    module = importlib.import_module(package)
    assert set(module.LAZY) == type_checking_names(package)
    assert set(module.LAZY) <= set(module.__all__) <= set(dir(module))
    for name in module.__all__:
        assert getattr(module, name) is not None, name
