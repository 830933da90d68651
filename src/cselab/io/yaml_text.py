"""YAML read as people write it: ``1e-4`` is a number.

PyYAML resolves scalars by YAML 1.1, where a float needs a dot (``1.0e-4``); ``1e-4`` and
``5E-5`` come back as strings, and a config field ``learning_rate: 1e-4`` would be refused
as "expected float". :func:`load_yaml` is ``yaml.safe_load`` with YAML 1.2's float syntax
added (``[-+]?(digits[.digits] | .digits)[eE][-+]?digits``); everything else is unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import yaml


class _Loader(yaml.SafeLoader):
    """SafeLoader that also reads exponent floats without a dot."""


_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789."))


def load_yaml(text: str) -> Any:
    """Parse one YAML document safely (no Python objects), exponent floats included."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
