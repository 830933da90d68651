"""`cselab evaluate MODEL --data SPEC ... --out FILE.json`: STS Spearman/Pearson × 100."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from cselab.errors import CselabError
from cselab.io.atomic import write_text


def evaluate(
    model: str = typer.Argument(..., help="Hugging Face id, model name or local directory."),
    data: list[str] = typer.Option(
        ...,
        "--data",
        "-d",
        help="STS data spec [kind:]path[?options], repeatable: stsb:DIR?split=test, "
        "sick:SICK.txt?split=test, senteval:STS12-en-test, csv:F?sentence1=a&sentence2=b"
        "&score=s&range=0,5, jsonl:F, tsv:F, hf:NAME?split=test.",
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the result as JSON here."),
    pooling: str | None = typer.Option(
        None, help="Override the model's pooling (mean, cls, max); default: the model's own."
    ),
    batch_size: int = typer.Option(64, help="Sentences per forward pass."),
    device: str = typer.Option("cpu", help="torch device."),
    max_seq_length: int | None = typer.Option(None, help="Truncate sentences to this length."),
    examples: int = typer.Option(5, help="Worst-ranked pairs to keep per dataset."),
) -> None:
    """Spearman and Pearson (× 100) of cosine similarity vs gold scores, per dataset and mean."""
    from cselab.data.sts import load_sts
    from cselab.evaluation.suite import run_sts_suite
    from cselab.models.loading import load_model, model_label

    if max_seq_length is not None and max_seq_length < 2:
        raise CselabError(f"--max-seq-length {max_seq_length} must be >= 2")
    if examples < 0:
        raise CselabError(f"--examples {examples} must be >= 0")
    if batch_size < 1:
        raise CselabError(f"--batch-size {batch_size} must be >= 1")
    datasets = [load_sts(spec) for spec in data]
    encoder = load_model(model, device=device, max_seq_length=max_seq_length)
    result = run_sts_suite(
        encoder,
        datasets,
        model_name=model_label(model),
        batch_size=batch_size,
        pooling=pooling,
        examples=examples,
    )
    result["model_source"] = model
    console = Console()
    table = Table(title=f"STS: {result['model']} (pooling {result['pooling']})")
    for column in ("dataset", "n", "Spearman", "Pearson", "truncated"):
        table.add_column(column, justify="left" if column == "dataset" else "right")
    for row in result["datasets"]:
        table.add_row(
            row["name"],
            str(row["n"]),
            f"{row['spearman']:.2f}",
            f"{row['pearson']:.2f}",
            str(row["truncated_sentences"]),
        )
    avg = result["average"]
    table.add_row("average", "", f"{avg['spearman']:.2f}", f"{avg['pearson']:.2f}", "")
    console.print(table)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_text(out, json.dumps(result, indent=2, ensure_ascii=False) + "\n", what="result")
        console.print(f"wrote {out}")
