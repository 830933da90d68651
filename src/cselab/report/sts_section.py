"""STS results of ``cselab evaluate``: one row per model and dataset, the published value
beside ours where :mod:`cselab.report.published` has one; the pairs ranked most
differently from gold go to the appendix."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cselab.report.published import published_sts
from cselab.report.tables import (
    MISSING,
    Table,
    fixed,
    frame_table,
    published,
    row_label,
    text,
    to_csv,
)


def sts_table(results: Sequence[dict]) -> Table:
    """Spearman and Pearson × 100 of cosine vs gold, per model and dataset (and average)."""
    table = Table(
        "STS: Spearman and Pearson correlation × 100 of cosine similarity with the gold scores",
        ["model", "dataset", "n", "Spearman × 100", "Pearson × 100", "published Spearman"],
        note="Each model with its own pooling unless the result says otherwise "
        "(pooling and similarity in the configuration appendix).",
    )  # fmt: skip
    flat = []
    for result in results:
        model = str(result.get("model", "?"))
        for row in result.get("datasets", []):
            entry = published_sts(model, str(row.get("name", "")))
            table.rows.append([
                row_label(model), text(row.get("name", "")), text(row.get("n", "")),
                fixed(row["spearman"]), fixed(row["pearson"]),
                published(entry.value, entry.source) if entry else MISSING,
            ])  # fmt: skip
            flat.append({"model": model, **{k: v for k, v in row.items() if k != "examples"}})
        average = result.get("average")
        if average and len(result.get("datasets", [])) > 1:
            table.rows.append([
                row_label(model), text(f"average of {average.get('datasets', '')}"), text(""),
                fixed(average["spearman"]), fixed(average["pearson"]), MISSING,
            ])  # fmt: skip
    table.csv, table.csv_name = to_csv(pd.DataFrame(flat)), "sts.csv"
    return table


def worst_pairs(results: Sequence[dict]) -> list[Table]:
    """Per model and dataset, the pairs ranked most differently from gold (as recorded)."""
    tables = []
    for result in results:
        for row in result.get("datasets", []):
            examples = row.get("examples") or []
            if examples:
                tables.append(frame_table(
                    pd.DataFrame(examples),
                    f"{result.get('model', '?')} on {row.get('name', '')}: pairs ranked most "
                    "differently from gold", note="rank_gap = |rank(gold) − rank(cosine)| / n",
                    name=f"sts_examples_{row.get('name', '')}",
                ))  # fmt: skip
    return tables
