"""load_yaml reads exponent floats without a dot as numbers (YAML 1.2), like people write them."""

from __future__ import annotations

import pytest
import yaml

from cselab.io.yaml_text import load_yaml


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1e-4", 1e-4),
        ("5E-5", 5e-5),
        ("-1.5e3", -1500.0),
        ("+2e+2", 200.0),
        (".5e1", 5.0),
        ("3e10", 3e10),
    ],  # fmt: skip
)
def test_exponent_floats_are_numbers(text: str, expected: float) -> None:
    value = load_yaml(f"x: {text}")["x"]
    assert isinstance(value, float) and value == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1e", "1e"),
        ("e5", "e5"),
        ("'1e-4'", "1e-4"),
        ("12", 12),
        ("0.5", 0.5),
        ("true", True),
        ("null", None),
        ("1.0.0", "1.0.0"),
    ],  # fmt: skip
)
def test_everything_else_reads_as_safe_load_does(text: str, expected: object) -> None:
    assert load_yaml(f"x: {text}")["x"] == expected == yaml.safe_load(f"x: {text}")["x"]


def test_pyyaml_alone_reads_them_as_text() -> None:
    """The reason for load_yaml: YAML 1.1 wants a dot and a signed exponent."""
    assert yaml.safe_load("x: 1e-4")["x"] == "1e-4"


def test_no_python_objects() -> None:
    with pytest.raises(yaml.constructor.ConstructorError):
        load_yaml("x: !!python/object/apply:os.system ['true']")
