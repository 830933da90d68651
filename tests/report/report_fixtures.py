"""Hand-written result files for report tests (no metric is computed by anything here)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml

from cselab.results.table import make_table, write_table

SCRIPT_SENTENCE = "<script>document.title='pwned'</script> A man & a <b>dog</b>."


def geometry_rows() -> list[dict]:
    rows = []
    for m, model in enumerate(["mini", "big"]):
        for layer in range(3):
            rows.append(
                dict(
                    model=model,
                    corpus="c",
                    layer=layer,
                    metric="anisotropy",
                    value=0.1 * (layer + 1) + m / 7,
                )
            )
            rows.append(
                dict(
                    model=model,
                    corpus="c",
                    layer=layer,
                    metric="self_similarity",
                    value=0.5 + layer / 11 - m / 13,
                )
            )
            rows.append(
                dict(
                    model=model,
                    corpus="c",
                    layer=layer,
                    metric="top1_share",
                    value=0.25 + layer / 17 + m / 19,
                )
            )
            rows.append(
                dict(
                    model=model,
                    corpus="c",
                    layer=layer,
                    metric="dims_for_50pct",
                    value=float(100 + 10 * layer + m),
                )
            )
            for k in (1, 10):
                rows.append(
                    dict(
                        model=model,
                        corpus="c",
                        layer=layer,
                        metric=f"informativity_r2_k{k}",
                        value=0.99 - k / 37 - layer / 101,
                    )
                )
    return rows  # fmt: skip


def dynamics_rows() -> list[dict]:
    return [
        dict(run=run, step=step, model="m", corpus="c", layer=layer, metric="anisotropy",
             value=0.3 + step / 200 + r / 9 + layer / 50)
        for r, run in enumerate(["tau0.05", "tau0.1"])
        for step in (0, 10, 20)
        for layer in (0, 2)
    ] + [dict(run="tau0.05", step=s, metric="loss", value=2.0 - s / 30) for s in (0, 10, 20)]  # fmt: skip


def grid_rows() -> list[dict]:
    return [
        dict(run="infonce", metric=metric, mu_pos=p, mu_neg=n, temperature=0.05,
             value=p - n + (metric == "ratio"))
        for metric in ("dissipation", "ratio", "hardest_weight_share")
        for p in (0.2, 0.8)
        for n in (0.0, 0.5)
    ]  # fmt: skip


def sts_result() -> dict:
    return {
        "kind": "cselab-sts",
        "model": "mini",
        "pooling": "mean",
        "similarity": "cosine",
        "datasets": [
            {"name": "stsb-test", "protocol": "stsb", "n": 3, "spearman": 81.23456,
             "pearson": 80.5, "truncated_sentences": 0,
             "examples": [{"sentence1": SCRIPT_SENTENCE, "sentence2": "x", "gold": 4.0,
                           "cosine": 0.1, "rank_gap": 0.5}]},
            {"name": "sick-r-test", "protocol": "sick", "n": 3, "spearman": 70.0,
             "pearson": 71.0, "truncated_sentences": 1, "examples": []},
        ],
        "average": {"spearman": 75.61728, "pearson": 75.75, "datasets": 2},
        "versions": {"python": "3.11", "torch": "2.13.0", "cselab": "0.1.0"},
    }  # fmt: skip


def write_everything(root: Path) -> dict[str, Path]:
    """A geometry dir, a compare dir with SSC tables, a run dir, a grid CSV and an STS JSON."""
    geo = root / "geometry"
    write_table(make_table(geometry_rows()), geo / "metrics.csv",
                columns=("model", "corpus", "layer", "metric", "value"))  # fmt: skip
    (geo / "summary.json").write_text(json.dumps({"model": "mini", "corpus": SCRIPT_SENTENCE,
                                                  "versions": {"torch": "2.13.0"}}))  # fmt: skip
    pd.DataFrame(
        {"pair": ["p", "p"], "layer": [2, 2], "direction": ["positive", "negative"],
         "place": [1, 1], "token": ["<script>", "the"], "count": [5, 90], "ssc": [0.42, -0.17]}
    ).to_csv(geo / "ssc_extremes.csv", index=False)  # fmt: skip
    pd.DataFrame({"layer": [2, 2, 2], "n": [2, 3, 4], "token": ["a", "b", "c"],
                  "pearson": [0.1, 0.6, 0.7]}).to_csv(geo / "ssc_correlation.csv", index=False)  # fmt: skip
    run = root / "run"
    write_table(make_table(dynamics_rows()), run / "metrics.csv")
    (run / "config.yaml").write_text(yaml.safe_dump({"loss": "infonce", "corpus": "<i>c</i>"}))
    grid = root / "grid.csv"
    write_table(make_table(grid_rows()), grid)
    sts = root / "sts.json"
    sts.write_text(json.dumps(sts_result()))
    return {"geometry": geo, "run": run, "grid": grid, "sts": sts}
