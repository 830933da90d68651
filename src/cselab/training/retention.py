"""Which checkpoints a run keeps: the last ``keep_checkpoints``, the best, and ``final/``.

As in the Hugging Face trainer (``save_total_limit``, ``load_best_model_at_end``): after
each checkpoint the oldest are deleted until ``keep_checkpoints`` remain, except the best
one by ``metric_for_best`` when ``keep_best`` is on, which is never deleted. The metric is
read from the run's own table (``metrics.csv``) at each checkpoint's step, so only
checkpoints written at a step where it was logged are candidates (checkpoint at multiples
of ``probe_every`` for probe metrics, of ``log_every`` for ``train_loss``). The default
metric is the STS dev Spearman correlation when ``dev_data`` is given; higher is better
unless the metric is a loss (``greater_is_better`` overrides). The best so far is always
kept, so the best among the kept checkpoints is the best of the run.

At the end the last checkpoint's model is published as ``RUN_DIR/final/``, a plain
SentenceTransformer folder whose files are hard links to the checkpoint's (no extra disk;
a copy where the file system has no hard links).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cselab.io.atomic import atomic_directory
from cselab.results.table import NO_LAYER, read_table
from cselab.training.checkpoints import list_checkpoints, prune_checkpoints

FINAL_DIR = "final"
#: Metrics logged once per step (layer -1) that need no probe; others need ``probe_every``.
LOGGED_METRICS = ("train_loss",)
PROBED_METRICS = ("sts_dev_spearman", "sts_dev_pearson")
PART_PREFIXES = ("loss/", "grad/")  # loss parts (logged) and gradient parts (probed)


def best_metric(config: Any) -> str | None:
    """The metric that picks the best checkpoint: ``metric_for_best``, else the STS dev
    Spearman correlation when ``dev_data`` is given and probes run, else none."""
    if config.metric_for_best is not None:
        return str(config.metric_for_best)
    if config.dev_data is not None and config.probe_every is not None:
        return "sts_dev_spearman"
    return None


def greater_is_better(metric: str, override: bool | None = None) -> bool:
    """Higher is better unless the metric is a loss (the Hugging Face trainer's rule)."""
    if override is not None:
        return override
    return not (metric.endswith("loss") or metric.startswith("loss/"))


def best_metric_problem(config: Any) -> str | None:
    """Why ``metric_for_best`` cannot be measured by this config (None when it can)."""
    metric = config.metric_for_best
    if metric is None:
        return None
    known = metric in LOGGED_METRICS + PROBED_METRICS or metric.startswith(PART_PREFIXES)
    if not known:
        choices = [*LOGGED_METRICS, *PROBED_METRICS, "loss/<part>", "grad/<part>"]
        return f"not a metric logged once per step; choose one of {choices}"
    if metric.startswith("loss/") or metric in LOGGED_METRICS:
        return None
    if config.probe_every is None:
        return "it is measured by probes, which are off (probe_every: null)"
    if metric in PROBED_METRICS and config.dev_data is None:
        return "it is measured on dev_data, which is not given"
    return None


@dataclass(frozen=True)
class Best:
    """The best checkpoint so far: its step and metric value."""

    metric: str
    step: int
    value: float

    def to_dict(self) -> dict[str, Any]:
        checkpoint = f"checkpoints/step-{self.step:06d}"
        return {
            "metric": self.metric,
            "step": self.step,
            "value": self.value,
            "checkpoint": checkpoint,
        }


def best_checkpoint(
    metrics: str | os.PathLike[str], steps: list[int], metric: str, greater: bool
) -> Best | None:
    """The step among ``steps`` with the best ``metric`` (layer -1) in the table
    ``metrics``; the earliest on ties; None when no step has the metric."""
    path = Path(metrics)
    if not steps or not path.is_file():
        return None
    table = read_table(path)
    rows = table[(table["metric"] == metric) & (table["layer"] == NO_LAYER)]
    values = rows[rows["step"].isin(steps)].groupby("step")["value"].last().dropna()
    if values.empty:
        return None
    step = int(values.idxmax() if greater else values.idxmin())
    return Best(metric, step, float(values[step]))


def retain(run_dir: Path, metrics: Path, config: Any) -> Best | None:
    """Prune the run's checkpoints to the last ``keep_checkpoints`` and, with ``keep_best``,
    the best; returns the best (None without a metric, or before it was measured at a
    checkpoint)."""
    steps = [step for step, _ in list_checkpoints(run_dir)]
    metric = best_metric(config)
    best = None
    if metric is not None:
        best = best_checkpoint(
            metrics, steps, metric, greater_is_better(metric, config.greater_is_better)
        )
    protect = frozenset({best.step}) if best is not None and config.keep_best else frozenset()
    prune_checkpoints(run_dir, config.keep_checkpoints, protect)
    return best


def publish_final(run_dir: str | os.PathLike[str], checkpoint: Path, skip: tuple[str, ...]) -> Path:
    """``RUN_DIR/final/``: the checkpoint's files but ``skip`` (its trainer state), hard-linked,
    written beside it and renamed into place (an earlier ``final/`` is replaced whole)."""
    final = Path(run_dir) / FINAL_DIR
    with atomic_directory(final, what="final model") as tmp:
        shutil.copytree(
            checkpoint, tmp, copy_function=_link_or_copy, ignore=lambda *_: skip, dirs_exist_ok=True
        )
    return final


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or none with hard links
        shutil.copy2(source, target)


def disk_usage(path: str | os.PathLike[str]) -> int:
    """Bytes of the files under ``path``, each hard-linked file counted once."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            info = os.lstat(os.path.join(root, name))
            if (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                total += info.st_size
    return total


def format_bytes(size: int) -> str:
    """``1234567`` -> ``1.2 MB`` (powers of 1000, as ``du --si``)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")  # pragma: no cover
