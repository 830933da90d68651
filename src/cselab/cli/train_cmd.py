"""`cselab train [--config RUN.yaml] [flags]`: train with checkpoints and probes; resumes.

A flag left out takes the YAML config's value, else the default of
:class:`cselab.training.config.TrainConfig`; the help shows those defaults and lists the
loss names and every field that only ``--set`` reaches.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cselab.cli.common_options import is_quiet
from cselab.losses import LOSSES
from cselab.training.config import DATA_KINDS, FIELDS

#: Config fields that have a flag of their own (the rest are reached with --set).
FLAG_FIELDS = (
    "model", "loss", "data", "data_kind", "pooling", "temperature", "batch_size",
    "learning_rate", "warmup_steps", "max_steps", "epochs", "seed", "max_seq_length",
    "output_dir", "checkpoint_every", "probe_every", "dev_data", "probe_corpus",
    "gradcache_mini_batch", "device", "precision", "log_every", "keep_checkpoints",
    "nan_policy",
)  # fmt: skip


def default(name: str) -> str:
    """``(default: 64)``: the config default of field ``name`` (``null`` for None)."""
    field = FIELDS[name]
    value = field.default_factory() if callable(field.default_factory) else field.default
    return f"(default: {'null' if value is None else value})"


def other_fields() -> str:
    """The fields reached only by ``--set`` (or the YAML file), with their defaults."""
    names = [name for name in FIELDS if name not in FLAG_FIELDS]
    return "Other config fields (--set FIELD=VALUE): " + ", ".join(
        f"{name} {default(name)[1:-1].replace('default: ', '= ')}" for name in names
    )


def train(
    config: Path | None = typer.Option(None, "--config", "-c", help="YAML config file."),
    model: str | None = typer.Option(
        None, help=f"Hugging Face id, model name or local dir. {default('model')}"
    ),
    loss: str | None = typer.Option(
        None, help=f"Objective: {', '.join(LOSSES)}. {default('loss')}"
    ),
    data: str | None = typer.Option(None, help="Training data file."),
    data_kind: str | None = typer.Option(
        None, help=f"{', '.join(DATA_KINDS)}. {default('data_kind')}"
    ),
    pooling: str | None = typer.Option(None, help="mean, cls or max (default: the model's)."),
    temperature: float | None = typer.Option(
        None, help="τ of the loss (scale = 1/τ). (default: null = the loss's own, 0.05)"
    ),
    batch_size: int | None = typer.Option(
        None, help=f"Examples per step (in-batch negatives). {default('batch_size')}"
    ),
    learning_rate: float | None = typer.Option(
        None, "--lr", help=f"AdamW learning rate. {default('learning_rate')}"
    ),
    warmup_steps: int | None = typer.Option(
        None, help=f"Linear warm-up steps. {default('warmup_steps')}"
    ),
    max_steps: int | None = typer.Option(
        None, "--steps", help=f"Stop after this many steps. {default('max_steps')}"
    ),
    epochs: int | None = typer.Option(
        None, help=f"Epochs (when --steps is not given). {default('epochs')}"
    ),
    seed: int | None = typer.Option(None, help=f"Seed of every random choice. {default('seed')}"),
    max_seq_length: int | None = typer.Option(
        None, help=f"Truncate sentences to this length. {default('max_seq_length')}"
    ),
    output_dir: str | None = typer.Option(
        None, "--out", "-o", help=f"Run directory. {default('output_dir')}"
    ),
    checkpoint_every: int | None = typer.Option(
        None, help=f"Checkpoint every N steps. {default('checkpoint_every')}"
    ),
    probe_every: int | None = typer.Option(
        None, help=f"Probe every N steps (null: no probes). {default('probe_every')}"
    ),
    dev_data: str | None = typer.Option(
        None, help="STS-B style dev file for Spearman probes (needs probes on)."
    ),
    probe_corpus: str | None = typer.Option(
        None, help="Sentences for geometry probes. (default: the shipped corpus)"
    ),
    gradcache_mini_batch: int | None = typer.Option(
        None,
        help=f"GradCache mini-batch size (same gradient, less memory). "
        f"{default('gradcache_mini_batch')}",
    ),
    device: str | None = typer.Option(None, help=f"torch device. {default('device')}"),
    precision: str | None = typer.Option(
        None,
        help=f"fp32, bf16 or fp16: autocast forward passes (fp16 scales the loss). {default('precision')}",
    ),
    log_every: int | None = typer.Option(
        None,
        help=f"Log loss, learning rate and gradient norm every N steps. {default('log_every')}",
    ),
    keep_checkpoints: int | None = typer.Option(
        None,
        help=f"Keep the last N checkpoints, plus the best and final/. {default('keep_checkpoints')}",
    ),
    nan_policy: str | None = typer.Option(
        None,
        help=f"On a non-finite loss or gradient: stop, or skip the step. {default('nan_policy')}",
    ),
    assignments: list[str] | None = typer.Option(
        None, "--set", help="Any other config field: FIELD=VALUE (YAML value), repeatable."
    ),
) -> None:
    """Train a sentence encoder; an existing run directory resumes from its last checkpoint."""
    from cselab.training.config import load_config, parse_assignments
    from cselab.training.trainer import train as run_training

    flags = dict(
        model=model,
        loss=loss,
        data=data,
        data_kind=data_kind,
        pooling=pooling,
        temperature=temperature,
        batch_size=batch_size,
        learning_rate=learning_rate,
        warmup_steps=warmup_steps,
        max_steps=max_steps,
        epochs=epochs,
        seed=seed,
        max_seq_length=max_seq_length,
        output_dir=output_dir,
        checkpoint_every=checkpoint_every,
        probe_every=probe_every,
        dev_data=dev_data,
        probe_corpus=probe_corpus,
        gradcache_mini_batch=gradcache_mini_batch,
        device=device,
        precision=precision,
        log_every=log_every,
        keep_checkpoints=keep_checkpoints,
        nan_policy=nan_policy,
        progress=False if is_quiet() else None,
    )
    result = run_training(load_config(config, flags, assignments=parse_assignments(assignments)))
    if not result.is_main:  # torchrun: rank 0 speaks for the run
        return
    resumed = f" (resumed from step {result.resumed_from})" if result.resumed_from else ""
    skipped = (
        f", {result.skipped_steps} skipped (non-finite loss or gradient)"
        if result.skipped_steps
        else ""
    )
    typer.echo(
        f"trained {result.steps} steps{resumed}{skipped}: {result.run_dir} "
        f"({result.sentences_per_second:.1f} examples/s)"
    )
    typer.echo(result.disk_line())


train.epilog = other_fields()  # type: ignore[attr-defined]
