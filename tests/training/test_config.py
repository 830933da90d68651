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
        ({"nan_policy": "ignore"}, "'nan_policy' = 'ignore': choose one of"),
        ({"log_every": 0}, "'log_every' = 0: must be >= 1"),
        ({"metric_for_best": "anisotropy"}, "'metric_for_best' = 'anisotropy': not a metric"),
        ({"metric_for_best": "sts_dev_spearman", "probe_every": 2}, "dev_data, which is not"),
        (
            {"probe_every": 2, "probe_geometry": True, "probe_max_sentences": 1},
            "'probe_corpus' = None: geometry probes need at least 2 sentences, it gives 1",
        ),
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


def test_set_null_unsets_a_field_of_the_yaml(tmp_path: Path, make_config) -> None:
    path = tmp_path / "run.yaml"
    save_config(make_config(probe_every=2, dev_data=str(path), temperature=0.1), path)
    assignments = parse_assignments(["probe_every=null", "dev_data=null"])
    config = load_config(path, {"temperature": None}, assignments=assignments)
    assert config.probe_every is None and config.dev_data is None
    assert config.temperature == 0.1  # a flag that was not given changes nothing


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("score_threshold=abc", "'score_threshold' = 'abc': expected float"),
        ("nli_hard_negatives=maybe", "'nli_hard_negatives' = 'maybe': expected bool"),
        ("no_duplicates=3", "'no_duplicates' = 3: expected bool"),
        ("run_name=[1]", r"'run_name' = \[1\]: expected str or null"),
        ("loss=[a]", r"'loss' = \['a'\]: expected str"),
        ("data=5", "'data' = 5: expected str"),
        ("batch_size=true", "'batch_size' = True: expected int"),
        ("keep_checkpoints=-5", "'keep_checkpoints' = -5: must be >= 1"),
        ("keep_checkpoints=0", "'keep_checkpoints' = 0: must be >= 1"),
        ("keep_checkpoints=abc", "'keep_checkpoints' = 'abc': expected int or null"),
        ("max_grad_norm=-1", "'max_grad_norm' = -1: must be > 0.0"),
        ("max_grad_norm=.nan", "'max_grad_norm' = nan: must be a finite number"),
        ("weight_decay=-1", "'weight_decay' = -1: must be >= 0"),
        ("weight_decay=abc", "'weight_decay' = 'abc': expected float"),
        ("run_name=' '", "'run_name' = ' ': must not be empty"),
        ("device=cudaX", "'device' = 'cudaX': not a torch device"),
    ],
)
def test_every_field_is_checked(make_config, assignment, message) -> None:
    config = make_config(**parse_assignments([assignment]))
    with pytest.raises(CselabError, match=message):
        validate_config(config)


def test_config_file_that_is_not_text_or_not_a_file(tmp_path: Path) -> None:
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(CselabError, match="bin.yaml' is not UTF-8 text"):
        load_config(binary)
    with pytest.raises(CselabError, match="is a directory, not a file"):
        load_config(tmp_path)


@pytest.mark.parametrize("field", ["dev_data", "probe_corpus"])
def test_probe_inputs_while_probes_are_off_are_refused(make_config, sentences_file, field) -> None:
    config = make_config(probe_every=None, **{field: str(sentences_file)})
    with pytest.raises(CselabError, match=f"'{field}' = .*: probes are off"):
        validate_config(config)
    validate_config(make_config(probe_every=3, **{field: str(sentences_file)}))


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("loss: info_nce\ndata: [a.txt\nbatch_size: 8\n", "line 3, column 11: not valid YAML: "
         "expected ',' or ']', but got ':' (while parsing a flow sequence started at line 2, "
         "column 7)"),
        ("model: x\n  loss: info_nce\n", "line 2, column 7: not valid YAML: mapping values are "
         "not allowed here"),
    ],
)  # fmt: skip
def test_a_yaml_syntax_error_is_one_line_with_line_and_column(tmp_path: Path, text, where) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CselabError) as error:
        load_config(path)
    assert str(error.value) == f"config file {str(path)!r}, {where}"


def test_a_set_value_that_is_not_yaml_is_one_line() -> None:
    with pytest.raises(CselabError) as error:
        parse_assignments(["loss_params={margin: [1"])
    assert str(error.value) == (
        "--set 'loss_params={margin: [1' value, line 1, column 12: not valid YAML: expected ',' "
        "or ']', but got '<stream end>' (while parsing a flow sequence started at line 1, "
        "column 10)"
    )


def test_exponent_floats_without_a_dot_are_numbers(tmp_path) -> None:
    """``learning_rate: 1e-4`` (PyYAML alone reads it as the string '1e-4')."""
    from cselab.training.config import load_config, parse_assignments

    path = tmp_path / "run.yaml"
    path.write_text("data: x.txt\nlearning_rate: 1e-4\n", encoding="utf-8")
    assert load_config(path).learning_rate == pytest.approx(1e-4)
    config = load_config(path, assignments=parse_assignments(["weight_decay=1E-2"]))
    assert config.weight_decay == pytest.approx(0.01)


def test_a_config_from_an_object_a_mapping_or_a_file(tmp_path: Path, make_config) -> None:
    from cselab.training.config import TrainConfig, as_config

    base = make_config(temperature=0.1)
    assert as_config(base) == base
    assert as_config(base, batch_size=4, temperature=None).batch_size == 4
    assert as_config(base, temperature=None).temperature is None  # a keyword sets the field
    assert as_config(base.to_dict(), seed=7) == make_config(temperature=0.1, seed=7)
    path = save_config(base, tmp_path / "run.yaml")
    assert as_config(path, max_steps=2) == make_config(temperature=0.1, max_steps=2)
    assert as_config(str(path)) == base
    assert as_config(model="m", data="d.txt") == TrainConfig(model="m", data="d.txt")
    with pytest.raises(CselabError, match=r"unknown config field\(s\) \['temprature'\]"):
        as_config(base, temprature=0.1)
    with pytest.raises(CselabError, match="config of type int: give a TrainConfig"):
        as_config(3)
