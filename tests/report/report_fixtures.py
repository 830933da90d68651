"""Hand-written cselab output folders for report tests (no metric is computed by anything here).

- ``geometry/``: ``cselab geometry`` of all-MiniLM-L6-v2 on STS-B test sentence 1 under the
  xiao2023 protocol (so the paper's published values apply), layers 0-2;
- ``compare/``: ``cselab compare`` of a vanilla and a tuned model (default protocol, corpus
  ``c``), with the SSC tables and the pair recorded;
- ``runs/tau0.05``, ``runs/tau0.1``: training runs (configs differing in temperature);
- ``grid.csv``: a cosine gradient grid; ``sts.json``: a ``cselab evaluate`` result with a
  ``<script>`` sentence.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
from pathlib import Path

import pandas as pd
import yaml

from cselab.results.table import make_table, write_table

SCRIPT_SENTENCE = "<script>document.title='pwned'</script> A man & a <b>dog</b>."
MINILM = "all-MiniLM-L6-v2"
GEOMETRY_METRICS = (
    "anisotropy", "anisotropy_baseline", "self_similarity", "self_similarity_adjusted",
    "intra_sentence_similarity", "intra_sentence_similarity_adjusted", "l2_norm", "isoscore",
    "self_similarity_top1_share", "self_similarity_top2_share", "self_similarity_dims_for_50pct",
    "top1_share", "informativity_r2_k1", "informativity_r2_k2", "informativity_r2_k10",
    "sentence_anisotropy",
)  # fmt: skip
PROTOCOL = {"name": "xiao2023", "include_special": True, "baseline": "sampled", "seed": 0}
DEFAULT = {"name": "default", "include_special": False, "baseline": "exact", "seed": 0}


def geometry_rows(model: str, corpus: str, offset: float) -> list[dict]:
    """Distinct made-up values for every (metric, layer), dimension counts as integers."""
    rows = []
    for m, metric in enumerate(GEOMETRY_METRICS):
        for layer in range(3):
            value = 0.1 + m / 37 + layer / 101 + offset
            if "dims_for" in metric:
                value = float(100 + 10 * layer + round(offset * 10))
            rows.append(dict(model=model, corpus=corpus, layer=layer, metric=metric, value=value))
    return rows


def run_rows(run: str, offset: float) -> list[dict]:
    rows = [
        dict(run=run, step=step, model="m", corpus="probe", layer=layer, metric=metric,
             value=0.3 + step / 200 + offset + layer / 50 + i / 13)
        for step in (0, 10, 20)
        for layer in (0, 2)
        for i, metric in enumerate(["anisotropy_baseline", "self_similarity_adjusted", "anisotropy"])
    ]  # fmt: skip
    rows += [dict(run=run, step=s, corpus="dev", metric="sts_dev_spearman", value=70 + s / 3 + offset)
             for s in (0, 10, 20)]  # fmt: skip
    rows += [dict(run=run, step=s, metric="train_loss", value=2.0 - s / 30 + offset)
             for s in (10, 20)]  # fmt: skip
    return rows


def grid_rows() -> list[dict]:
    return [
        dict(run="infonce", metric=metric, mu_pos=p, mu_neg=n, temperature=tau,
             value=p - n + (metric == "ratio") + tau, protocol="cosine")
        for metric in ("dissipation", "ratio", "hardest_weight_share")
        for tau in (0.05, 0.1)
        for p in (0.2, 0.8)
        for n in (0.0, 0.5)
    ]  # fmt: skip


def sts_result(model: str = MINILM) -> dict:
    return {
        "kind": "cselab-sts",
        "model": model,
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


def run_config(temperature: float) -> dict:
    return {"model": "m", "loss": "info_nce", "temperature": temperature, "batch_size": 16,
            "data": "<i>c</i>", "output_dir": f"runs/tau{temperature}"}  # fmt: skip


def write_geometry(folder: Path) -> Path:
    write_table(make_table(geometry_rows(MINILM, "sts-test:s1", 0.0)), folder / "metrics.csv",
                columns=("model", "corpus", "layer", "metric", "value"))  # fmt: skip
    summary = {"model": MINILM, "corpus": "sts-test:s1", "protocol": PROTOCOL,
               "versions": {"torch": "2.13.0"}}  # fmt: skip
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder


def write_compare(folder: Path) -> Path:
    rows = geometry_rows("vanilla", "c", 0.2) + geometry_rows("tuned", "c", -0.05)
    write_table(make_table(rows), folder / "metrics.csv",
                columns=("model", "corpus", "layer", "metric", "value"))  # fmt: skip
    summary = {
        "models": [{"model": m, "corpus": "c", "protocol": DEFAULT} for m in ("vanilla", "tuned")],
        "pairs": [{"pair": "vanilla->tuned", "vanilla": "vanilla", "finetuned": "tuned",
                   "layer": 2, "n_tokens": 3}],
        "ssc_correlation": {"best_n": 3, "best_pearson": 0.6},
        "versions": {"torch": "2.13.0"},
    }  # fmt: skip
    (folder / "summary.json").write_text(json.dumps(summary))
    pd.DataFrame(
        {"pair": ["vanilla->tuned"] * 2, "layer": [2, 2], "direction": ["positive", "negative"],
         "place": [1, 1], "token": ["<script>", "the"], "count": [5, 90], "ssc": [0.42, -0.17]}
    ).to_csv(folder / "ssc_extremes.csv", index=False)  # fmt: skip
    pd.DataFrame({"layer": [2, 2, 2], "n": [2, 3, 4], "token": ["a", "b", "c"],
                  "pearson": [0.1, 0.6, 0.7]}).to_csv(folder / "ssc_correlation.csv", index=False)  # fmt: skip
    pd.DataFrame({"pair": ["vanilla->tuned"] * 3, "layer": [2] * 3, "rank": [1, 2, 3],
                  "token": ["the", "a", "<script>"], "count": [90, 40, 5],
                  "ssc": [-0.17, 0.01, 0.42]}).to_csv(folder / "ssc_tokens.csv", index=False)  # fmt: skip
    return folder


def write_run(folder: Path, temperature: float, offset: float) -> Path:
    write_table(make_table(run_rows(folder.name, offset)), folder / "metrics.csv")
    (folder / "config.yaml").write_text(yaml.safe_dump(run_config(temperature)))
    (folder / "summary.json").write_text(json.dumps({"kind": "cselab_training_run",
                                                     "versions": {"torch": "2.13.0"}}))  # fmt: skip
    return folder


def write_everything(root: Path) -> dict[str, Path]:
    """Every kind of input, by name (see the module doc)."""
    for name in ("geometry", "compare", "runs/tau0.05", "runs/tau0.1"):
        (root / name).mkdir(parents=True, exist_ok=True)
    grid = root / "grid.csv"
    write_table(make_table(grid_rows()), grid)
    sts = root / "sts.json"
    sts.write_text(json.dumps(sts_result()))
    return {
        "geometry": write_geometry(root / "geometry"),
        "compare": write_compare(root / "compare"),
        "run": write_run(root / "runs/tau0.05", 0.05, 0.0),
        "run2": write_run(root / "runs/tau0.1", 0.1, 0.1),
        "grid": grid,
        "sts": sts,
    }


def section(page: str, key: str) -> str:
    """The HTML of one section (main part) or appendix part of a page."""
    match = re.search(rf'<(section|details) id="{key}".*?</\1>', page, re.S)
    assert match, f"section {key} missing"
    return match.group(0)


def row_values(part: str, first_cells: list[str], attribute: str = "data-value") -> list[float]:
    """The ``attribute`` numbers of the table row whose first cells are ``first_cells``."""
    for row in re.findall(r"<tr>(.*?)</tr>", part, re.S):
        cells = [html.unescape(re.sub(r"<span.*?</span>", "", c))
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]  # fmt: skip
        if cells[: len(first_cells)] == first_cells:
            return [float(v) for v in re.findall(rf'{attribute}="([^"]+)"', row)]
    raise AssertionError(f"no row starting with {first_cells}")


def figure_data(part: str, key: str) -> list[dict]:
    """The rows of the CSV download of the figure whose file key is ``key``."""
    match = re.search(
        rf'<figure[^>]*data-key="{key}".*?href="data:text/csv;base64,([^"]+)"', part, re.S
    )
    assert match, f"no figure {key} with data"
    return list(csv.DictReader(io.StringIO(base64.b64decode(match.group(1)).decode("utf-8"))))
