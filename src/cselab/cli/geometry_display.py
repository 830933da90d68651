"""Terminal helpers shared by `cselab geometry` and `cselab compare`: argument parsing,
progress over batches while encoding, the corpus measured, and a rich metric-by-layer
table."""

from __future__ import annotations

from contextlib import nullcontext

import pandas as pd
from rich.console import Console
from rich.table import Table

from cselab import progress
from cselab.data.corpora import Corpus
from cselab.errors import CselabError
from cselab.geometry.analysis import GeometryResult, analyze_geometry
from cselab.geometry.outputs import layer_by_metric
from cselab.geometry.protocols import Protocol


def parse_layers(text: str) -> list[int] | None:
    """'all' -> None; '0,3,-1' -> [0, 3, -1]."""
    if text.strip().lower() == "all":
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise CselabError(f"--layers {text!r}: give 'all' or comma-separated integers") from None


def parse_metrics(text: str | None) -> list[str] | None:
    """None (all) or the comma-separated families; a text naming none is an error."""
    if text is None:
        return None
    families = [m.strip() for m in text.split(",") if m.strip()]
    if not families:
        raise CselabError(f"--metrics {text!r}: name at least one metric family")
    return families


def measure_with_progress(
    model, corpus: Corpus, protocol: Protocol, *, label: str, layers,
    metrics: str | list[str] | None,
    sentence_metrics: bool = True, strict: bool = False, step: str = "", show: bool = True,
    **options,
) -> GeometryResult:  # fmt: skip
    """Run :func:`analyze_geometry` as a progress task over batches (``metrics``: the
    ``--metrics`` text, or the families already parsed from it; ``step``: e.g.
    ``model 2 of 4: `` before the description; ``show=False``: no task, e.g. on ranks other
    than 0); ``options`` go to it (checkpoints)."""
    description = f"{step}encoding with {label}"
    task_or_none = progress.task(description, unit="batches") if show else nullcontext()
    with task_or_none as task:
        return analyze_geometry(
            model, corpus.sentences, protocol=protocol, layers=layers,
            metrics=parse_metrics(metrics) if isinstance(metrics, str) else metrics,
            sentence_metrics=sentence_metrics,
            model_label=label, corpus_label=corpus.name, strict=strict,
            progress=None if task is None else task.update, **options,
        )  # fmt: skip


def corpus_line(result: GeometryResult) -> str:
    """``corpus NAME: N sentences, T tokens kept (special tokens out)``, as the analysis
    counted them (the corpus is not read again)."""
    special = "in" if result.protocol.include_special else "out"
    return (
        f"corpus {result.corpus}: {result.n_sentences:,} sentences, "
        f"{result.extra.get('tokens', 0):,} tokens kept (special tokens {special})"
    )


def show_table(table: pd.DataFrame, *, title: str) -> None:
    """Print metrics (rows) by layer (columns)."""
    wide = layer_by_metric(table)
    view = Table(title=title)
    for column in wide.columns:
        view.add_column(str(column), justify="left" if isinstance(column, str) else "right")
    for row in wide.itertuples(index=False):
        view.add_row(*[v if isinstance(v, str) else f"{v:.4g}" for v in row])
    Console(width=max(120, 14 * len(wide.columns))).print(view)
