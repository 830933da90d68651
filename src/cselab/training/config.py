"""The training configuration: one dataclass, read from YAML and/or flags, validated up front.

Every check runs before the model is loaded, so a bad config fails in a second with a
message naming the field (``config field 'temperature' = 0.0: ...``).
Defaults follow Xiao et al. 2023, Section 4 (batch 64, checkpoints every 200 steps) and
SimCSE (learning rate 3e-5 for base-size encoders). ``temperature: null`` means the loss's
own default (τ = 0.05 for every temperature-based loss in ``cselab.losses``); a temperature
set for a loss that takes none is an error, not silently dropped.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import math
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cselab.errors import CselabError
from cselab.io.atomic import write_text
from cselab.io.yaml_text import load_yaml

DATA_KINDS = ("sentences", "pairs", "triplets", "nli", "scored_pairs")
PRECISIONS = ("fp32", "bf16", "fp16")
NAN_POLICIES = ("stop", "skip")
PAIR_COLUMNS, TRIPLET_COLUMNS = ("anchor", "positive"), ("anchor", "positive", "negative")
#: Losses the trainer refuses, with the reason (none at present).
UNSUPPORTED_LOSSES: dict[str, str] = {}


@dataclass
class TrainConfig:
    """Everything a run needs; ``config.yaml`` in the run directory holds the resolved copy."""

    model: str = "all-MiniLM-L6-v2"
    loss: str = "info_nce"
    loss_params: dict[str, Any] = field(default_factory=dict)
    data: str = ""
    data_kind: str = "pairs"
    score_threshold: float = 4.0
    nli_hard_negatives: bool = True
    pooling: str | None = None
    temperature: float | None = None
    batch_size: int = 64
    learning_rate: float = 3e-5
    weight_decay: float = 0.0
    warmup_steps: int = 0
    max_steps: int | None = None
    epochs: int = 1
    seed: int = 42
    max_seq_length: int | None = 128
    no_duplicates: bool = True
    gradcache_mini_batch: int | None = None
    ema_decay: float = 0.996
    max_grad_norm: float | None = 1.0
    precision: str = "fp32"
    nan_policy: str = "stop"
    log_every: int | None = 10
    checkpoint_every: int = 200
    keep_checkpoints: int | None = 2
    keep_best: bool = True
    metric_for_best: str | None = None
    greater_is_better: bool | None = None
    probe_every: int | None = 200
    probe_corpus: str | None = None
    probe_max_sentences: int = 256
    probe_geometry: bool = True
    probe_gradients: bool = True
    dev_data: str | None = None
    tensorboard: bool = False
    output_dir: str = "runs/run"
    run_name: str | None = None
    device: str = "cpu"
    progress: bool = True

    @property
    def name(self) -> str:
        """The run's label in tables: ``run_name`` or the output directory's name."""
        return self.run_name or Path(self.output_dir).name

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}


def data_columns(config: TrainConfig) -> tuple[str, ...]:
    """The columns the config's data gives the loss (a hard negative for triplets, and for
    NLI with ``nli_hard_negatives``)."""
    hard = config.data_kind == "triplets" or (
        config.data_kind == "nli" and config.nli_hard_negatives
    )
    return TRIPLET_COLUMNS if hard else PAIR_COLUMNS


def _bad(name: str, value: object, why: str) -> CselabError:
    return CselabError(f"config field {name!r} = {value!r}: {why}")


def config_from_dict(values: dict[str, Any], *, source: str = "config") -> TrainConfig:
    """Build a config from a mapping; unknown keys are an error naming the key."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise CselabError(f"{source}: unknown config field(s) {unknown}; known: {sorted(FIELDS)}")
    return TrainConfig(**values)


def as_config(
    config: TrainConfig | Mapping[str, Any] | str | os.PathLike[str] | None = None,
    **overrides: Any,
) -> TrainConfig:
    """A :class:`TrainConfig` from a config object, a mapping of fields, or a YAML file
    (:func:`load_config`), with the keyword ``overrides`` applied last (``None`` too: a
    keyword sets the field). An unknown field is an error naming it."""
    if isinstance(config, str | os.PathLike):
        return load_config(config, assignments=overrides)
    if isinstance(config, TrainConfig):
        values = config.to_dict()
    elif isinstance(config, Mapping):
        values = dict(config)
    elif config is None:
        values = {}
    else:
        raise CselabError(
            f"config of type {type(config).__name__}: give a TrainConfig, a mapping of fields "
            "or the path of a YAML file"
        )
    return config_from_dict({**values, **overrides}, source="config")


def load_config(
    path: str | os.PathLike[str] | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    assignments: dict[str, Any] | None = None,
) -> TrainConfig:
    """Read a YAML config (optional), apply ``assignments`` (``--set FIELD=VALUE``; a
    ``null`` value sets the field to null) and then flag ``overrides`` (``None`` = the flag
    was not given)."""
    values: dict[str, Any] = {}
    if path is not None:
        source = Path(path)
        if not source.is_file():
            what = "is a directory, not a file" if source.is_dir() else "does not exist"
            raise CselabError(f"config file {str(source)!r} {what}")
        try:
            loaded = load_yaml(source.read_text(encoding="utf-8")) or {}
        except UnicodeDecodeError as exc:
            raise CselabError(f"config file {str(source)!r} is not UTF-8 text ({exc})") from None
        except yaml.YAMLError as exc:
            raise CselabError(yaml_problem(f"config file {str(source)!r}", exc)) from None
        if not isinstance(loaded, dict):
            raise CselabError(f"config file {str(source)!r} must hold a mapping of fields")
        values.update(loaded)
    values.update(assignments or {})
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return config_from_dict(values, source=str(path) if path else "flags")


def _at(mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def yaml_problem(what: str, exc: yaml.YAMLError) -> str:
    """One line: ``WHAT, line 4, column 11: not valid YAML: expected ',' or ']', but got
    ':' (while parsing a flow sequence started at line 3, column 7)``."""
    mark, start = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    if context and start is not None and (mark is None or _at(start) != _at(mark)):
        context += f" started at {_at(start)}"
    detail = " ".join((f"{problem} ({context})" if context else problem).split())
    where = f", {_at(mark)}" if mark is not None else ""
    return f"{what}{where}: not valid YAML: {detail}"


def save_config(config: TrainConfig, path: str | os.PathLike[str]) -> Path:
    """Write the resolved config as YAML atomically."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_text(out, yaml.safe_dump(config.to_dict(), sort_keys=False), what="config")


def _field_kinds(hint: Any) -> tuple[type, ...]:
    """The Python types a field annotated ``hint`` accepts (a float field takes ints)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return tuple(kind for arg in typing.get_args(hint) for kind in _field_kinds(arg))
    if hint is float:
        return (int, float)
    if hint is Any:
        return (object,)
    return (typing.get_origin(hint) or hint,)


def _check_field_types(config: TrainConfig) -> None:
    """Every field holds a value of its annotated type (``null`` only where allowed; a
    bool is not taken for a number, nor a number for a bool)."""
    for name, hint in typing.get_type_hints(TrainConfig).items():
        value, kinds = getattr(config, name), _field_kinds(hint)
        wrong_bool = isinstance(value, bool) and bool not in kinds
        if wrong_bool or not isinstance(value, kinds):
            names = [k.__name__ for k in kinds if k is not int or float not in kinds]
            expected = " or ".join("null" if k == "NoneType" else k for k in names)
            raise _bad(name, value, f"expected {expected}")


def validate_config(config: TrainConfig) -> None:
    """Check every field that can be checked without loading the model or the data."""
    from cselab.losses import LOSSES
    from cselab.losses.base import check_columns, check_declarations
    from cselab.models.loading import device_problem
    from cselab.models.pooling import POOLINGS
    from cselab.training.precision import precision_problem
    from cselab.training.retention import best_metric_problem

    _check_field_types(config)
    if config.loss not in LOSSES:
        raise _bad("loss", config.loss, f"unknown loss; choose one of {sorted(LOSSES)}")
    loss = check_declarations(LOSSES[config.loss], config.loss)
    if config.loss in UNSUPPORTED_LOSSES:
        raise _bad("loss", config.loss, UNSUPPORTED_LOSSES[config.loss])
    if config.data_kind not in DATA_KINDS:
        raise _bad("data_kind", config.data_kind, f"choose one of {list(DATA_KINDS)}")
    if not config.data:
        raise _bad("data", config.data, "give the training data file")
    if not Path(config.data).is_file():
        raise _bad("data", config.data, "file does not exist")
    if config.pooling is not None and config.pooling not in POOLINGS:
        raise _bad("pooling", config.pooling, f"choose one of {sorted(POOLINGS)}")
    if config.temperature is not None:
        if not math.isfinite(config.temperature) or config.temperature <= 0:
            raise _bad("temperature", config.temperature, "must be a finite number > 0")
        if "temperature" not in inspect.signature(LOSSES[config.loss]).parameters:
            raise _bad(
                "temperature",
                config.temperature,
                f"loss {config.loss!r} takes no temperature; leave the field unset (null)",
            )
    if not 0.0 <= config.ema_decay <= 1.0:
        raise _bad("ema_decay", config.ema_decay, "must be in [0, 1]")
    where = f"config field 'data_kind' = {config.data_kind!r}"
    check_columns(loss, data_columns(config), where, config.loss)
    if config.batch_size < 1:
        raise _bad("batch_size", config.batch_size, "must be >= 1")
    if loss.in_batch and config.batch_size < 2:
        raise _bad(
            "batch_size",
            config.batch_size,
            f"loss {config.loss!r} uses in-batch negatives and needs a batch of at least 2",
        )
    if not math.isfinite(config.learning_rate) or config.learning_rate <= 0:
        raise _bad("learning_rate", config.learning_rate, "must be a finite number > 0")
    for name in ("warmup_steps", "epochs", "seed", "probe_max_sentences"):
        if getattr(config, name) < 0:
            raise _bad(name, getattr(config, name), "must be >= 0")
    for name in (
        "max_steps",
        "checkpoint_every",
        "probe_every",
        "max_seq_length",
        "gradcache_mini_batch",
        "keep_checkpoints",
        "log_every",
    ):
        value = getattr(config, name)
        if value is not None and value < 1:
            raise _bad(name, value, "must be >= 1")
    if config.max_steps is None and config.epochs < 1:
        raise _bad("epochs", config.epochs, "give epochs >= 1 or max_steps")
    for name in ("probe_corpus", "dev_data"):
        value = getattr(config, name)
        if value is not None and not Path(value).is_file():
            raise _bad(name, value, "file does not exist")
        if value is not None and config.probe_every is None:
            raise _bad(
                name, value, "probes are off (probe_every: null), so it would never be read: "
                "set probe_every (e.g. --probe-every 200) or leave it out"
            )  # fmt: skip
    for name in ("max_grad_norm", "weight_decay", "score_threshold"):
        value = getattr(config, name)
        if value is not None and not math.isfinite(value):
            raise _bad(name, value, "must be a finite number")
    if config.max_grad_norm is not None and config.max_grad_norm <= 0:
        raise _bad("max_grad_norm", config.max_grad_norm, "must be > 0.0 (or null: no clipping)")
    if config.weight_decay < 0:
        raise _bad("weight_decay", config.weight_decay, "must be >= 0")
    if config.run_name is not None and not config.run_name.strip():
        raise _bad("run_name", config.run_name, "must not be empty (or null: the folder's name)")
    problem = device_problem(config.device)
    if problem is not None:
        raise _bad("device", config.device, problem)
    if config.precision not in PRECISIONS:
        raise _bad("precision", config.precision, f"choose one of {list(PRECISIONS)}")
    problem = precision_problem(config.precision, config.device)
    if problem is not None:
        raise _bad("precision", config.precision, problem)
    if config.nan_policy not in NAN_POLICIES:
        raise _bad("nan_policy", config.nan_policy, f"choose one of {list(NAN_POLICIES)}")
    problem = best_metric_problem(config)
    if problem is not None:
        raise _bad("metric_for_best", config.metric_for_best, problem)
    if config.tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise _bad("tensorboard", True, "the tensorboard package is not installed")
    if not isinstance(config.loss_params, dict):
        raise _bad("loss_params", config.loss_params, "expected a mapping of loss arguments")


def parse_assignments(assignments: list[str] | None) -> dict[str, Any]:
    """``["temperature=0.1", "loss_params={margin: 0.5}"]`` -> values (YAML-parsed)."""
    values: dict[str, Any] = {}
    for text in assignments or []:
        key, sep, raw = text.partition("=")
        if not sep or not key.strip():
            raise CselabError(f"--set {text!r}: expected FIELD=VALUE")
        if key.strip() not in FIELDS:
            raise CselabError(f"--set {text!r}: unknown config field {key.strip()!r}")
        try:
            values[key.strip()] = load_yaml(raw)
        except yaml.YAMLError as exc:
            raise CselabError(yaml_problem(f"--set {text!r} value", exc)) from None
    return values
