"""Files written by ``cselab geometry`` and ``cselab compare`` (names in docs/geometry.md).

geometry:  ``metrics.csv`` (tidy: model, corpus, layer, metric, value), ``summary.json``
           (the figures of ``--plots`` are drawn by :mod:`cselab.report.geometry_figures`).
compare:   the same for every model (all models in one ``metrics.csv``), plus
           ``ssc_tokens.csv`` (pair, layer, rank, token, count, ss_vanilla, ss_finetuned,
           ani_vanilla, ani_finetuned, ssc), ``ssc_extremes.csv`` (pair, layer, direction,
           place, token, count, ssc) and, with two pairs, ``ssc_correlation.csv``
           (layer, n, token, pearson).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from cselab.geometry.analysis import GeometryResult
from cselab.geometry.comparison import CrossPairCorrelation, PairComparison
from cselab.io.atomic import write_csv, write_text
from cselab.results.provenance import provenance
from cselab.results.table import concat_tables, write_table

GEOMETRY_COLUMNS = ("model", "corpus", "layer", "metric", "value")


def layer_by_metric(table: pd.DataFrame) -> pd.DataFrame:
    """Wide view for terminals: one row per metric, one column per layer (per model)."""
    index = ["model", "metric"] if table["model"].nunique() > 1 else ["metric"]
    wide = table.pivot_table(index=index, columns="layer", values="value", sort=False)
    return wide.reset_index()


def _write_json(data: dict[str, object], path: Path) -> None:
    write_text(path, json.dumps(data, indent=2, default=str), what="summary")


def write_geometry(
    results: Sequence[GeometryResult], out_dir: str | os.PathLike[str]
) -> list[Path]:
    """``metrics.csv`` + ``summary.json`` for one or more measured models."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = concat_tables([r.table for r in results])
    written = [write_table(table, out / "metrics.csv", columns=GEOMETRY_COLUMNS)]
    summary: dict[str, object] = {"models": [r.summary() for r in results]}
    if len(results) == 1:
        summary = results[0].summary()
    summary.update(provenance())
    _write_json(summary, out / "summary.json")
    written.append(out / "summary.json")
    return written


def write_comparison(
    pairs: Sequence[PairComparison],
    out_dir: str | os.PathLike[str],
    *,
    correlation: CrossPairCorrelation | None = None,
) -> list[Path]:
    """Geometry files of every model, then the SSC tables of each pair (and across pairs)."""
    out = Path(out_dir)
    models: dict[str, GeometryResult] = {}
    for pair in pairs:
        models.setdefault(pair.vanilla.model, pair.vanilla)
        models.setdefault(pair.finetuned.model, pair.finetuned)
    written = write_geometry(list(models.values()), out)
    tokens = pd.concat([p.ssc.assign(pair=p.name, layer=p.layer) for p in pairs])
    extremes = pd.concat([p.extremes.assign(pair=p.name, layer=p.layer) for p in pairs])
    front = ["pair", "layer"]
    tokens = tokens[front + [c for c in tokens.columns if c not in front]]
    extremes = extremes[front + [c for c in extremes.columns if c not in front]]
    write_csv(tokens, out / "ssc_tokens.csv")
    write_csv(extremes, out / "ssc_extremes.csv")
    written += [out / "ssc_tokens.csv", out / "ssc_extremes.csv"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    summary["pairs"] = [
        {"pair": p.name, "vanilla": p.vanilla.model, "finetuned": p.finetuned.model,
         "layer": p.layer, "n_tokens": len(p.ssc)}
        for p in pairs
    ]  # fmt: skip
    if correlation is not None:
        curve = correlation.curve.assign(layer=pairs[0].layer)[["layer", "n", "token", "pearson"]]
        write_csv(curve, out / "ssc_correlation.csv")
        written.append(out / "ssc_correlation.csv")
        summary["ssc_correlation"] = {
            "best_n": correlation.best_n,
            "best_pearson": correlation.best_r,
            "pearson_at_max_n": float(correlation.curve["pearson"].iloc[-1]),
            "max_n": int(correlation.curve["n"].iloc[-1]),
        }
    _write_json(summary, out / "summary.json")
    return written
