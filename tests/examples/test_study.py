"""examples/vanilla/study.sh end to end at toy size: from a toy pre-trained encoder and a
slice of STS-B, every section writes its outputs and summarize.py prints every table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from toy_vanilla import REPO, corpus, pretrain

STUDY = REPO / "examples" / "vanilla" / "study.sh"
SUMMARIZE = REPO / "examples" / "vanilla" / "summarize.py"
STSB = REPO.parent / "shared" / "data" / "stsbenchmark"


def _stsb_slice(folder: Path, rows: int = 60) -> Path:
    folder.mkdir()
    for split in ("train", "dev", "test"):
        lines = (STSB / f"sts-{split}.csv").read_text(encoding="utf-8").splitlines(True)
        (folder / f"sts-{split}.csv").write_text("".join(lines[:rows]), encoding="utf-8")
    return folder


@pytest.mark.slow
def test_the_study_runs_end_to_end_and_summarizes(tmp_path: Path, minilm_dir) -> None:
    if not STSB.is_dir():
        pytest.skip(f"no STS Benchmark at {STSB}")
    vanilla = tmp_path / "vanilla"
    built = pretrain(corpus(tmp_path / "corpus.txt"), vanilla, 2)
    assert built.returncode == 0, built.stderr
    out = tmp_path / "study"
    env = {
        **os.environ,
        "VANILLA": str(vanilla), "STSB": str(_stsb_slice(tmp_path / "stsb")),
        "STEPS": "4", "BATCH": "8", "LI_STEPS": "3", "SEEDS": "1", "PROBE_EVERY": "2",
        "OBJECTIVES": "info_nce barlow_twins_mod",
        "CSELAB": f"{sys.executable} -m cselab.cli.main",
    }  # fmt: skip
    run = subprocess.run(["bash", str(STUDY), str(out)], env=env, capture_output=True,
                         text=True, timeout=1500)  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    for protocol in ("default", "xiao2023"):
        assert (out / f"geometry/vanilla-stsb-{protocol}/summary.json").is_file()
        assert (out / f"compare-{protocol}/ssc_correlation.csv").is_file()
    for run_dir in ("sweeps/temperature/tau0.025-bs8-mean", "sweeps/batch/tau0.05-bs4-mean",
                    "sweeps/pooling/tau0.05-bs8-cls", "runs/simcse-sup",
                    "objectives/info_nce-seed1", "objectives/barlow_twins_mod-seed1"):  # fmt: skip
        assert (out / run_dir / "final" / "modules.json").is_file(), run_dir
    assert len(list((out / "sts").glob("*.json"))) == 9  # the vanilla and 8 fine-tuned models
    assert (out / "report.html").stat().st_size > 10_000

    tables = subprocess.run([sys.executable, str(SUMMARIZE), str(out), "--vanilla", str(vanilla)],
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert tables.returncode == 0, tables.stderr
    for heading in ("Pre-training", "The vanilla model per layer", "Vanilla vs fine-tuned",
                    "Self-similarity change", "Learning dynamics", "STS-B test",
                    "Objectives from the same vanilla"):  # fmt: skip
        assert f"### {heading}" in tables.stdout, heading
    assert "barlow_twins_mod" in tables.stdout and "tau0.1-bs8-mean" in tables.stdout
