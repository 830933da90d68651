"""`cselab geometry`: per-layer embedding geometry of one model on one corpus.

Under ``torchrun --nproc_per_node N -m cselab.cli.main geometry ...`` every process takes
its share of the sentences, the statistics are merged across processes, and rank 0 prints
and writes."""

from __future__ import annotations

from pathlib import Path

import typer

from cselab.errors import CselabError
from cselab.geometry.registry import METRICS
from cselab.models.loading import DEFAULT_MODEL


def geometry(
    model: str = typer.Argument(DEFAULT_MODEL, help="HF id or local model directory."),
    corpus: str | None = typer.Option(
        None,
        "--corpus",
        help="Corpus file (txt/csv/tsv/jsonl/sts-*.csv) or hf:NAME; default: shipped.",
    ),
    fmt: str = typer.Option("auto", "--format", help="auto, text, csv, tsv, jsonl, stsb."),
    column: str | None = typer.Option(None, "--column", help="Sentence column (csv/tsv/jsonl/hf)."),
    sts_sentences: str = typer.Option("1", "--sts-sentences", help="STS-B: 1, 2 or both."),
    dedupe: bool = typer.Option(False, "--dedupe", help="Drop repeated sentences."),
    split: str = typer.Option("test", "--split", help="Split of an hf: dataset."),
    hf_config: str | None = typer.Option(None, "--hf-config", help="Config of an hf: dataset."),
    layers: str = typer.Option("all", "--layers", help="'all' or e.g. '0,3,-1' (0 = embeddings)."),
    metrics: str | None = typer.Option(
        None, "--metrics", help=f"Comma-separated metric families: {', '.join(METRICS)}."
    ),
    protocol: str = typer.Option("default", "--protocol", help="default or xiao2023."),
    batch_size: int | None = typer.Option(None, "--batch-size", help="Override the protocol's."),
    max_length: int | None = typer.Option(None, "--max-length", help="Token limit per sentence."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the random samples."),
    sample_size: int | None = typer.Option(
        None, "--sample-size", help="Token sample of informativity/uniformity/partition."
    ),
    strict: bool = typer.Option(False, "--strict", help="Fail on over-long sentences."),
    no_sentence: bool = typer.Option(False, "--no-sentence", help="Skip pooled-sentence metrics."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda, ..."),
    out: Path | None = typer.Option(None, "--out", help="Write metrics.csv and summary.json here."),
    plots: bool = typer.Option(
        False, "--plots", help="Also write one PNG per metric (needs --out)."
    ),
    checkpoint_every: int | None = typer.Option(
        None,
        "--checkpoint-every",
        help="Save the statistics every N batches (needs --out); a rerun resumes.",
    ),
) -> None:
    """Measure anisotropy, self/intra-sentence similarity, norms, rogue dimensions, ... per layer."""
    from cselab.cli.geometry_display import (
        corpus_line,
        measure_with_progress,
        parse_layers,
        show_table,
    )
    from cselab.data.corpora import open_corpus
    from cselab.geometry.outputs import write_geometry
    from cselab.geometry.protocols import get_protocol
    from cselab.models.limits import check_token_limit
    from cselab.models.loading import load_model, model_label
    from cselab.report.figure_events import figures_task
    from cselab.report.geometry_figures import write_geometry_figures
    from cselab.training.distributed import distributed_session

    chosen = get_protocol(protocol).with_options(
        batch_size=batch_size, max_length=max_length, seed=seed, sample_size=sample_size
    )
    if checkpoint_every is not None and out is None:
        raise CselabError("--checkpoint-every needs --out DIR (the checkpoint is kept there)")
    text = open_corpus(
        corpus, fmt=fmt, column=column, sts_sentences=sts_sentences, dedupe=dedupe,
        hf_config=hf_config, split=split,
    )  # fmt: skip
    with distributed_session(device) as env:
        several_gpus = device.startswith("cuda") and env.world_size > 1
        encoder = load_model(model, device=f"cuda:{env.local_rank}" if several_gpus else device)
        check_token_limit(encoder, chosen.max_length, "--max-length", model)
        result = measure_with_progress(
            encoder, text, chosen, label=model_label(model), layers=parse_layers(layers),
            metrics=metrics, sentence_metrics=not no_sentence, strict=strict, show=env.is_main,
            checkpoint_dir=out, checkpoint_every=checkpoint_every,
        )  # fmt: skip
    if not env.is_main:
        return
    typer.echo(corpus_line(result))
    show_table(result.table, title=f"{result.model} on {result.corpus} ({chosen.name} protocol)")
    if out is not None:
        written = write_geometry([result], out)
        if plots:
            with figures_task("writing plots"):
                written += write_geometry_figures(result.table, out)
        for path in written:
            typer.echo(f"wrote {path}")
    elif plots:
        typer.echo("--plots needs --out DIR; no plots written", err=True)
