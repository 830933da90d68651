"""Checkpoint retention: the last K, the best by a metric (never deleted), and final/."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import torch
from sentence_transformers import SentenceTransformer

from cselab.results.table import make_table, write_table
from cselab.training.checkpoints import list_checkpoints, save_checkpoint
from cselab.training.retention import (
    best_checkpoint,
    best_metric_problem,
    disk_usage,
    greater_is_better,
    publish_final,
    retain,
)
from cselab.training.trainer import train


class _Model:
    def save(self, path: str) -> None:
        (Path(path) / "model.safetensors").write_bytes(b"w" * 1000)


def write_metric(path: Path, metric: str, values: dict[int, float]) -> Path:
    rows = [{"run": "r", "step": s, "layer": -1, "metric": metric, "value": v}
            for s, v in values.items()]  # fmt: skip
    rows.append({"run": "r", "step": 2, "layer": 3, "metric": metric, "value": 99.0})  # a layer
    write_table(make_table(rows), path)
    return path


def test_the_best_step_by_the_metric_and_its_direction(tmp_path: Path) -> None:
    table = write_metric(
        tmp_path / "m.csv", "sts_dev_spearman", {2: 50.0, 4: 70.0, 6: 70.0, 8: 60.0}
    )
    best = best_checkpoint(table, [2, 4, 6, 8], "sts_dev_spearman", greater=True)
    assert (best.step, best.value) == (4, 70.0)  # ties: the earliest; layer rows ignored
    assert best_checkpoint(table, [2, 4, 6, 8], "sts_dev_spearman", greater=False).step == 2
    assert best_checkpoint(table, [6, 8], "sts_dev_spearman", greater=True).step == 6
    assert best_checkpoint(table, [10], "sts_dev_spearman", greater=True) is None
    assert best_checkpoint(table, [2], "train_loss", greater=False) is None
    assert greater_is_better("sts_dev_spearman") and not greater_is_better("train_loss")
    assert not greater_is_better("loss/positive_similarity")
    assert greater_is_better("train_loss", override=True)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (dict(metric_for_best="anisotropy"), "not a metric logged once per step"),
        (dict(metric_for_best="sts_dev_spearman"), "measured on dev_data, which is not given"),
        (dict(metric_for_best="grad/weight", probe_every=None), "probes, which are off"),
        (dict(metric_for_best="train_loss", probe_every=None), None),
        (dict(metric_for_best="sts_dev_pearson", dev_data="dev.csv"), None),
    ],
)
def test_a_metric_the_run_cannot_measure_is_named(fields, problem) -> None:
    config = SimpleNamespace(**{"dev_data": None, "probe_every": 10, **fields})
    found = best_metric_problem(config)
    assert found == problem if problem is None else problem in found


def test_the_best_checkpoint_is_never_pruned(tmp_path: Path) -> None:
    for step in (2, 4, 6, 8):
        save_checkpoint(tmp_path, step, _Model(), {"step": step}, "x: 1\n")
    metrics = write_metric(
        tmp_path / "metrics.csv", "sts_dev_spearman", {2: 80.0, 4: 10.0, 6: 20.0, 8: 30.0}
    )
    config = SimpleNamespace(metric_for_best=None, dev_data="dev.csv", probe_every=2,
                             greater_is_better=None, keep_best=True, keep_checkpoints=2)  # fmt: skip
    assert retain(tmp_path, metrics, config).step == 2
    assert [s for s, _ in list_checkpoints(tmp_path)] == [2, 6, 8]
    config.keep_best = False
    assert retain(tmp_path, metrics, config).step == 2  # still reported
    assert [s for s, _ in list_checkpoints(tmp_path)] == [6, 8]


def test_final_holds_hard_links_counted_once(tmp_path: Path) -> None:
    path = save_checkpoint(tmp_path, 4, _Model(), {"step": 4}, "x: 1\n")
    final = publish_final(tmp_path, path, skip=("trainer_state.pt", "config.yaml"))
    assert sorted(os.listdir(final)) == ["model.safetensors"]
    assert os.path.samefile(final / "model.safetensors", path / "model.safetensors")
    files = sum(p.stat().st_size for p in path.iterdir())
    assert disk_usage(tmp_path) == files  # the linked weights once
    publish_final(tmp_path, path, skip=())  # replaced whole
    assert sorted(os.listdir(final)) == sorted(os.listdir(path))


def test_a_run_keeps_the_last_two_the_best_and_final(make_config, stsb_dir, tmp_path) -> None:
    dev = tmp_path / "sts-dev.csv"  # the first 60 STS-B dev pairs (fast)
    lines = (stsb_dir / "sts-dev.csv").read_text(encoding="utf-8").splitlines()[:60]
    dev.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = train(make_config(max_steps=8, checkpoint_every=2, probe_every=2,
                               probe_gradients=False, dev_data=str(dev)))  # fmt: skip
    table = pd.read_csv(result.run_dir / "metrics.csv")
    spearman = table[(table["metric"] == "sts_dev_spearman") & (table["step"] > 0)]
    values = spearman.set_index("step")["value"]
    expected = int(values[values == values.max()].index.min())  # earliest of the best
    summary = json.loads((result.run_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["best"]["step"] == expected == result.best.step
    assert summary["best"]["metric"] == "sts_dev_spearman"
    assert summary["best"]["value"] == pytest.approx(values.max())
    kept = [s for s, _ in list_checkpoints(result.run_dir)]
    assert kept == sorted({expected, 6, 8}) == result.kept
    assert summary["final"] == {"step": 8, "path": "final"}
    assert summary["disk_bytes"] == result.disk_bytes  # measured before summary.json's last write
    assert abs(disk_usage(result.run_dir) - result.disk_bytes) < 1000

    final = SentenceTransformer(str(result.run_dir / "final"), device="cpu")
    last = SentenceTransformer(str(result.run_dir / "checkpoints" / "step-000008"), device="cpu")
    sentences = ["a cat reads a book.", "the river is wide and cold."]
    torch.testing.assert_close(
        final.encode(sentences, convert_to_tensor=True),
        last.encode(sentences, convert_to_tensor=True),
    )
