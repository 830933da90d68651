"""Bad configs fail before training starts, with a message naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from cselab.errors import CselabError
from cselab.training.config import load_config, parse_assignments, save_config, validate_config
from cselab.training.trainer import train


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"loss": "no_such_loss"}, "'loss' = 'no_such_loss'"),
        ({"data": "/nonexistent/data.txt"}, "'data' = '/nonexistent/data.txt'"),
        ({"batch_size": 1}, "'batch_size' = 1"),
        ({"temperature": 0.0}, "'temperature' = 0.0"),
        ({"temperature": float("nan")}, "'temperature' = nan"),
        ({"pooling": "median"}, "'pooling' = 'median'"),
        ({"data_kind": "images"}, "'data_kind' = 'images'"),
        ({"loss": "triplet"}, "'data_kind' = 'sentences'"),
        ({"loss": "triplet", "temperature": 0.1}, "'temperature' = 0.1.*takes no temperature"),
        ({"loss": "byol", "temperature": 0.05}, "'temperature' = 0.05.*takes no temperature"),
        ({"loss": "byol", "data_kind": "triplets"}, "'data_kind' = 'triplets'.*no hard negatives"),
        ({"ema_decay": 1.5}, "'ema_decay' = 1.5"),
        ({"learning_rate": 0}, "'learning_rate' = 0"),
        ({"dev_data": "/nope.csv"}, "'dev_data' = '/nope.csv'"),
    ],
)
def test_bad_config_fails_before_training(make_config, changes, field, tmp_path: Path) -> None:
    config = make_config(**changes)
    with pytest.raises(CselabError, match=field.replace("[", r"\[")):
        train(config)
    assert not Path(config.output_dir).exists()  # nothing started


def test_batch_too_large_for_data_names_batch_size(make_config) -> None:
    with pytest.raises(CselabError, match="'batch_size' = 500.*cannot fill one batch"):
        train(make_config(batch_size=500))


def test_yaml_and_flag_overrides(tmp_path: Path, make_config) -> None:
    path = tmp_path / "run.yaml"
    save_config(make_config(temperature=0.1, batch_size=16), path)
    config = load_config(path, {"batch_size": 4, "temperature": None})
    assert config.temperature == 0.1 and config.batch_size == 4
    validate_config(config)


def test_unknown_yaml_field_is_named(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text("temprature: 0.1\n", encoding="utf-8")
    with pytest.raises(CselabError, match="temprature"):
        load_config(path)


def test_missing_config_file() -> None:
    with pytest.raises(CselabError, match="config file '/no/such.yaml' does not exist"):
        load_config("/no/such.yaml")


def test_parse_assignments() -> None:
    assert parse_assignments(["temperature=0.1", "loss_params={margin: 0.5}"]) == {
        "temperature": 0.1,
        "loss_params": {"margin": 0.5},
    }
    with pytest.raises(CselabError, match="unknown config field 'tau'"):
        parse_assignments(["tau=1"])
    with pytest.raises(CselabError, match="expected FIELD=VALUE"):
        parse_assignments(["temperature"])
