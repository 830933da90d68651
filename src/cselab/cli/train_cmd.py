"""`cselab train [--config RUN.yaml] [flags]`: train with checkpoints and probes; resumes."""

from __future__ import annotations

from pathlib import Path

import typer


def train(
    config: Path | None = typer.Option(None, "--config", "-c", help="YAML config file."),
    model: str | None = typer.Option(None, help="Hugging Face id, model name or local dir."),
    loss: str | None = typer.Option(None, help="Objective: a name in cselab.losses.LOSSES."),
    data: str | None = typer.Option(None, help="Training data file."),
    data_kind: str | None = typer.Option(
        None, help="sentences, pairs, triplets, nli or scored_pairs."
    ),
    pooling: str | None = typer.Option(None, help="mean, cls or max (default: the model's)."),
    temperature: float | None = typer.Option(None, help="τ of the loss (scale = 1/τ)."),
    batch_size: int | None = typer.Option(None, help="Examples per step (in-batch negatives)."),
    learning_rate: float | None = typer.Option(None, "--lr", help="AdamW learning rate."),
    warmup_steps: int | None = typer.Option(None, help="Linear warm-up steps."),
    max_steps: int | None = typer.Option(None, "--steps", help="Stop after this many steps."),
    epochs: int | None = typer.Option(None, help="Epochs (when --steps is not given)."),
    seed: int | None = typer.Option(None, help="Seed of every random choice."),
    max_seq_length: int | None = typer.Option(None, help="Truncate sentences to this length."),
    output_dir: str | None = typer.Option(None, "--out", "-o", help="Run directory."),
    checkpoint_every: int | None = typer.Option(None, help="Checkpoint every N steps."),
    probe_every: int | None = typer.Option(None, help="Probe every N steps."),
    dev_data: str | None = typer.Option(None, help="STS-B style dev file for Spearman probes."),
    probe_corpus: str | None = typer.Option(None, help="Sentences for geometry probes."),
    gradcache_mini_batch: int | None = typer.Option(
        None, help="GradCache mini-batch size (same gradient, less memory)."
    ),
    device: str | None = typer.Option(None, help="torch device."),
    precision: str | None = typer.Option(
        None, help="fp32 (default), bf16 or fp16: autocast forward passes (fp16 scales the loss)."
    ),
    log_every: int | None = typer.Option(
        None, help="Log loss, learning rate and gradient norm every N steps (default 10)."
    ),
    keep_checkpoints: int | None = typer.Option(
        None, help="Keep the last N checkpoints (default 2), plus the best and final/."
    ),
    nan_policy: str | None = typer.Option(
        None, help="On a non-finite loss or gradient: stop (default) or skip the step."
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
