"""Tables of the vanilla -> contrastive study (examples/vanilla/study.sh) for docs/reproduction.md.

Reads only what the study's cselab commands wrote (tidy tables, SSC tables, STS JSON) and
prints Markdown: the pre-training curve, the vanilla model per layer, vanilla vs fine-tuned
at the last layer, self-similarity change (SSC) by token kind and across the two pairs, the
learning dynamics of every run (first vs last probe), STS-B test of every model, and the
objectives of Li et al. 2024 (mean and spread over seeds; InfoNCE's gradient parts of each
final model, computed here on held-out sentences with dropout views).

Usage: python examples/vanilla/summarize.py STUDY_DIR [--vanilla PRETRAIN_DIR] > summary.md
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import pandas as pd

LAST_LAYER_METRICS = [
    "anisotropy_baseline", "self_similarity", "self_similarity_adjusted",
    "intra_sentence_similarity", "intra_sentence_similarity_adjusted", "l2_norm",
    "self_similarity_top1_share", "self_similarity_dims_for_50pct", "informativity_r2_k1",
    "informativity_r2_k2", "informativity_r2_k10", "informativity_r2_k50", "isoscore",
    "uniformity",
]  # fmt: skip
DYNAMICS_METRICS = [
    "anisotropy_baseline", "l2_norm", "self_similarity_adjusted",
    "intra_sentence_similarity_adjusted", "sts_dev_spearman",
]  # fmt: skip
#: Function words and punctuation: the "functional" tokens of Xiao et al. 2023, Section 3.2
#: (their Table 2 lists has, is, ',', are, that, been, while, was, with, the, an, a, [SEP], ':', '?').
_FUNCTION_WORDS = """
a an the is are was were be been being has have had do does did of in on at by for with
from to into onto over under as and or but nor so yet if then than that this these those
it its he she they them his her their we us our you your i me my not no while which who
whom whose what when where why how there here can could will would shall should may might
must about after before between during since until through up down out off against
among within without also just only very more most many much some any all each both few
other such own same [CLS] [SEP] [PAD]
"""
FUNCTIONAL = set(_FUNCTION_WORDS.split()) | set(".,;:!?'\"()-[]{}/&%$#@*+=<>`~")


def fmt(value: object, digits: int = 3) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return "–"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    cells = frame.map(lambda v: fmt(v, digits))
    head = "| " + " | ".join(map(str, cells.columns)) + " |"
    rule = "|" + "---|" * len(cells.columns)
    return "\n".join([head, rule] + ["| " + " | ".join(row) + " |" for row in cells.values])


def pretraining(vanilla: Path) -> str:
    log = pd.read_csv(vanilla / "metrics.csv")
    log = log.drop_duplicates("step", keep="last").sort_values("step")
    rows = log[["step", "tokens_seen", "train_loss", "eval_loss", "eval_accuracy"]]
    return "### Pre-training (held-out MLM loss and masked-token accuracy)\n\n" + markdown(rows)


def per_layer(table: pd.DataFrame, model: str, metrics: list[str]) -> pd.DataFrame:
    rows = table[(table["model"] == model) & table["metric"].isin(metrics)]
    return rows.pivot_table(index="layer", columns="metric", values="value")[metrics]


def vanilla_geometry(study: Path) -> str:
    parts = ["### The vanilla model per layer"]
    metrics = ["anisotropy_baseline", "self_similarity", "self_similarity_adjusted",
               "intra_sentence_similarity", "intra_sentence_similarity_adjusted", "l2_norm"]  # fmt: skip
    for corpus in ("stsb", "prose"):
        for protocol in ("default", "xiao2023"):
            path = study / "geometry" / f"vanilla-{corpus}-{protocol}" / "metrics.csv"
            if not path.is_file():
                continue
            table = pd.read_csv(path)
            frame = per_layer(table, table["model"].iloc[0], metrics).reset_index()
            parts.append(f"**{corpus}, `{protocol}` protocol**\n\n{markdown(frame)}")
    return "\n\n".join(parts)


def vanilla_vs_finetuned(study: Path) -> str:
    parts = ["### Vanilla vs fine-tuned, last layer (STS-B test sentence 1)"]
    for protocol in ("default", "xiao2023"):
        path = study / f"compare-{protocol}" / "metrics.csv"
        if not path.is_file():
            continue
        table = pd.read_csv(path)
        last = table[table["layer"] == table["layer"].max()]
        wide = last.pivot_table(index="metric", columns="model", values="value")
        order = [m for m in ("vanilla", "simcse-unsup", "simcse-sup") if m in wide.columns]
        frame = wide.loc[[m for m in LAST_LAYER_METRICS if m in wide.index], order]
        parts.append(f"**`{protocol}` protocol**\n\n{markdown(frame.reset_index())}")
        signs = per_layer_changes(table, order)
        if signs is not None:
            parts.append(
                f"Per layer (`{protocol}`), fine-tuned minus vanilla:\n\n{markdown(signs)}"
            )
    return "\n\n".join(parts)


def per_layer_changes(table: pd.DataFrame, models: list[str]) -> pd.DataFrame | None:
    if "vanilla" not in models:
        return None
    metrics = ["anisotropy_baseline", "intra_sentence_similarity_adjusted",
               "self_similarity_adjusted", "l2_norm"]  # fmt: skip
    base = per_layer(table, "vanilla", metrics)
    frames = []
    for model in models[1:]:
        diff = (per_layer(table, model, metrics) - base).add_prefix(f"{model}: Δ")
        frames.append(diff)
    return pd.concat(frames, axis=1).reset_index() if frames else None


def ssc(study: Path) -> str:
    parts = ["### Self-similarity change (SSC) of frequent tokens"]
    for protocol in ("xiao2023", "default"):
        folder = study / f"compare-{protocol}"
        if not (folder / "ssc_tokens.csv").is_file():
            continue
        tokens = pd.read_csv(folder / "ssc_tokens.csv", keep_default_na=False)
        rows = []
        for pair, group in tokens.groupby("pair", sort=False):
            kind = group["token"].map(lambda t: "functional" if t in FUNCTIONAL else "semantic")
            top = group.sort_values("ssc")
            negative, positive = top.head(10), top.tail(10)
            rows.append({
                "pair": pair, "tokens": len(group),
                "mean SSC functional": group["ssc"][kind == "functional"].mean(),
                "mean SSC semantic": group["ssc"][kind == "semantic"].mean(),
                "functional in top-10 negative": int(negative["token"].isin(FUNCTIONAL).sum()),
                "functional in top-10 positive": int(positive["token"].isin(FUNCTIONAL).sum()),
                "top-10 negative (more contextual)": " ".join(negative["token"]),
                "top-10 positive (less contextual)": " ".join(positive["token"][::-1]),
            })  # fmt: skip
        parts.append(f"**`{protocol}` protocol**\n\n{markdown(pd.DataFrame(rows))}")
        curve = pd.read_csv(folder / "ssc_correlation.csv", keep_default_na=False)
        if not curve.empty:
            tail = curve[curve["n"] >= 10]
            best = tail.loc[tail["pearson"].idxmax()] if not tail.empty else curve.iloc[-1]
            parts.append(
                f"Pearson correlation of the two pairs' SSC over the top-n tokens (`{protocol}`): "
                f"max {best['pearson']:.3f} at n = {int(best['n'])} (n ≥ 10); "
                f"{curve['pearson'].iloc[-1]:.3f} at n = {int(curve['n'].iloc[-1])}."
            )
    return "\n\n".join(parts)


def run_rows(run: Path) -> pd.DataFrame:
    table = pd.read_csv(run / "metrics.csv")
    return table[table["metric"].isin(DYNAMICS_METRICS)]


def first_last(run: Path) -> dict[str, object]:
    table = run_rows(run)
    table = table[(table["layer"] == table["layer"].max()) | (table["layer"] < 0)]
    out: dict[str, object] = {"run": run.name}
    for metric in DYNAMICS_METRICS:
        rows = table[table["metric"] == metric].sort_values("step")
        if not rows.empty:
            first, last = rows.iloc[0], rows.iloc[-1]
            out[metric] = f"{first['value']:.3f} → {last['value']:.3f}"
    return out


def dynamics(study: Path) -> str:
    groups = {
        "temperature": sorted((study / "sweeps" / "temperature").glob("*/")),
        "batch size": sorted((study / "sweeps" / "batch").glob("*/")),
        "pooling": sorted((study / "sweeps" / "pooling").glob("*/")),
        "supervised": [study / "runs" / "simcse-sup"],
    }
    parts = ["### Learning dynamics: last layer, first probe → last probe"]
    for name, runs in groups.items():
        runs = [r for r in runs if (r / "metrics.csv").is_file()]
        if runs:
            parts.append(f"**{name}**\n\n" + markdown(pd.DataFrame([first_last(r) for r in runs])))
    return "\n\n".join(parts)


def sts(study: Path) -> str:
    rows = []
    for path in sorted((study / "sts").glob("*.json")):
        result = json.loads(path.read_text())
        spearman = find_number(result, "spearman")
        rows.append({"model": path.stem, "STS-B test Spearman × 100": spearman})
    return "### STS-B test\n\n" + markdown(pd.DataFrame(rows), 2) if rows else ""


def find_number(data: object, key: str) -> float | None:
    """The first number stored under a key containing ``key`` (evaluate's JSON layout)."""
    if isinstance(data, dict):
        for k, v in data.items():
            if key in str(k).lower() and isinstance(v, (int, float)):
                return float(v)
        for v in data.values():
            found = find_number(v, key)
            if found is not None:
                return found
    if isinstance(data, list):
        for v in data:
            found = find_number(v, key)
            if found is not None:
                return found
    return None


def objectives(study: Path) -> str:
    folder = study / "objectives"
    if not folder.is_dir():
        return ""
    results: dict[str, list[dict[str, float]]] = {}
    for run in sorted(p for p in folder.iterdir() if (p / "metrics.csv").is_file()):
        loss = run.name.rsplit("-seed", 1)[0]
        table = pd.read_csv(run / "metrics.csv")
        last = table[table["step"] == table["step"].max()]
        values = dict(zip(last["metric"], last["value"], strict=False))
        sts_file = study / "sts" / f"objectives_{run.name}.json"
        if sts_file.is_file():
            values["test"] = find_number(json.loads(sts_file.read_text()), "spearman")
        results.setdefault(loss, []).append(values)
    rows = []
    for loss, runs in results.items():
        tests = [r["test"] for r in runs if r.get("test") is not None]
        rows.append({
            "objective": loss, "seeds": len(runs),
            "STS-B test (mean)": statistics.mean(tests) if tests else None,
            "spread (max−min)": (max(tests) - min(tests)) if len(tests) > 1 else None,
            "STS-B dev (last probe)": statistics.mean(r.get("sts_dev_spearman", float("nan")) for r in runs),
            "final train loss": mean_of(runs, "train_loss"),
        })  # fmt: skip
    table = pd.DataFrame(rows)
    yardstick = gradient_yardstick(study, sorted(folder.glob("*/final")))
    if yardstick is not None:
        table = yardstick.merge(table, on="objective", how="outer")
        table = table.sort_values("objective", key=lambda c: c != "vanilla", kind="stable")
        table["seeds"] = table["seeds"].astype("Int64")
    return "### Objectives from the same vanilla (Li et al. 2024)\n\n" + markdown(table, 3)


def gradient_yardstick(study: Path, models: list[Path], n: int = 64) -> pd.DataFrame | None:
    """InfoNCE's gradient parts (τ = 0.05) of each final model and of the vanilla, as one
    yardstick for every objective: the first ``n`` held-out prose lines, each paired with
    itself and embedded with dropout on (SimCSE's views; the training probes' batch), with
    the same dropout masks for every model. Seed-1 model of each objective."""
    sentences_file = study / "data" / "prose-sample.txt"
    if not sentences_file.is_file() or not models:
        return None
    from cselab.data.pairs import Pair
    from cselab.models.loading import load_model
    from cselab.training.probes import gradient_rows

    lines = sentences_file.read_text(encoding="utf-8").splitlines()[:n]
    batch = [Pair(line, line) for line in lines]
    rows = []
    named = [("vanilla", study / "models" / "vanilla")]
    named += [
        (m.parent.name.rsplit("-seed", 1)[0], m) for m in models if m.parent.name.endswith("-seed1")
    ]
    for objective, path in named:
        parts = gradient_rows(load_model(path), "info_nce", {"temperature": 0.05}, batch)
        values = {r["metric"].removeprefix("grad/"): r["value"] for r in parts}
        rows.append({
            "objective": objective,
            "s_ii (dropout views)": values["positive_similarity"],
            "mean s_ij": values["negative_similarity"],
            "InfoNCE D": values["dissipation"],
            "InfoNCE W on hardest": values["hardest_weight_share"],
        })  # fmt: skip
    return pd.DataFrame(rows)


def mean_of(runs: list[dict[str, float]], key: str) -> float | None:
    values = [r[key] for r in runs if key in r]
    return statistics.mean(values) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("study", type=Path)
    parser.add_argument("--vanilla", type=Path, default=Path.home() / ".cache/cselab/vanilla-mini")
    args = parser.parse_args()
    sections = []
    if (args.vanilla / "metrics.csv").is_file():
        sections.append(pretraining(args.vanilla))
    sections += [vanilla_geometry(args.study), vanilla_vs_finetuned(args.study), ssc(args.study),
                 dynamics(args.study), sts(args.study), objectives(args.study)]  # fmt: skip
    print("\n\n".join(s for s in sections if s))


if __name__ == "__main__":
    main()
