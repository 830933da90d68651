"""`cselab compare`: vanilla vs fine-tuned geometry and self-similarity change (SSC)."""

from __future__ import annotations

from pathlib import Path

import typer

from cselab.errors import CselabError


def compare(
    vanilla: str = typer.Argument(..., help="The pre-trained model (HF id or directory)."),
    finetuned: str = typer.Argument(..., help="The fine-tuned model (HF id or directory)."),
    vanilla2: str | None = typer.Option(None, "--vanilla2", help="Second pair: vanilla model."),
    finetuned2: str | None = typer.Option(None, "--finetuned2", help="Second pair: fine-tuned."),
    corpus: str | None = typer.Option(
        None, "--corpus", help="Corpus file or hf:NAME; default: shipped."
    ),
    fmt: str = typer.Option("auto", "--format", help="auto, text, csv, tsv, jsonl, stsb."),
    column: str | None = typer.Option(None, "--column", help="Sentence column (csv/tsv/jsonl/hf)."),
    sts_sentences: str = typer.Option("1", "--sts-sentences", help="STS-B: 1, 2 or both."),
    dedupe: bool = typer.Option(False, "--dedupe", help="Drop repeated sentences."),
    layers: str = typer.Option("all", "--layers", help="Layers to measure: 'all' or '0,3,-1'."),
    metrics: str | None = typer.Option(
        None,
        "--metrics",
        help="Families to measure (anisotropy,self_similarity, which SSC reads, are always added).",
    ),
    layer: int = typer.Option(-1, "--layer", help="Layer of the SSC analysis (-1 = last)."),
    top_n: int = typer.Option(400, "--top-n", help="Most frequent tokens in the SSC analysis."),
    min_n: int = typer.Option(10, "--min-n", help="Smallest n for the correlation argmax."),
    k: int = typer.Option(10, "--k", help="Tokens listed per SSC direction."),
    protocol: str = typer.Option("default", "--protocol", help="default or xiao2023."),
    batch_size: int | None = typer.Option(None, "--batch-size", help="Override the protocol's."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the random samples."),
    strict: bool = typer.Option(False, "--strict", help="Fail on over-long sentences."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda, ..."),
    out: Path | None = typer.Option(
        None, "--out", help="Write metrics.csv, ssc_*.csv, summary.json."
    ),
    plots: bool = typer.Option(False, "--plots", help="One PNG per metric (needs --out)."),
) -> None:
    """Compare a vanilla and a fine-tuned model; with a second pair, correlate their SSCs."""
    from cselab.cli.geometry_display import (
        measure_with_progress,
        parse_layers,
        parse_metrics,
        show_table,
    )
    from cselab.data.corpora import open_corpus
    from cselab.geometry.comparison import (
        compare_pair,
        compare_pairs,
        measure_all,
        with_ssc_families,
    )
    from cselab.geometry.outputs import write_comparison
    from cselab.geometry.protocols import get_protocol
    from cselab.models.loading import load_model, model_label
    from cselab.report.figure_events import figures_task
    from cselab.report.geometry_figures import write_geometry_figures
    from cselab.results.table import concat_tables

    if (vanilla2 is None) != (finetuned2 is None):
        raise CselabError("--vanilla2 and --finetuned2 go together (the second model pair)")
    families = with_ssc_families(parse_metrics(metrics))
    chosen = get_protocol(protocol).with_options(batch_size=batch_size, seed=seed)
    text = open_corpus(corpus, fmt=fmt, column=column, sts_sentences=sts_sentences, dedupe=dedupe)
    names = [vanilla, finetuned] + ([vanilla2, finetuned2] if vanilla2 and finetuned2 else [])
    distinct = list(dict.fromkeys(names))  # a model named twice is measured once
    results = measure_all(
        lambda name: measure_with_progress(
            load_model(name, device=device), text, chosen, label=model_label(name),
            layers=parse_layers(layers), metrics=families, sentence_metrics=False, strict=strict,
            step=f"model {distinct.index(name) + 1} of {len(distinct)}: ",
        ),
        names,
    )  # fmt: skip
    pairs = [
        compare_pair(results[v], results[f], layer=layer, top_n=top_n, k=k)
        for v, f in zip(names[::2], names[1::2], strict=True)
    ]
    correlation = compare_pairs(*pairs, max_n=top_n, min_n=min_n) if len(pairs) == 2 else None
    table = concat_tables([r.table for r in results.values()])
    show_table(table, title=f"geometry on {text.name}")
    for pair in pairs:
        typer.echo(f"{pair.name} (layer {pair.layer}): largest SSCs")
        typer.echo(pair.extremes.to_string(index=False))
    if correlation is not None:
        typer.echo(
            f"SSC correlation of the two pairs: best n = {correlation.best_n}, "
            f"r = {correlation.best_r:.3f}"
        )
    if out is not None:
        written = write_comparison(pairs, out, correlation=correlation)
        if plots:
            with figures_task("writing plots"):
                written += write_geometry_figures(table, out)
        for path in written:
            typer.echo(f"wrote {path}")
