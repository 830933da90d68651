"""Across processes and interruptions: the numbers of one uninterrupted process.

- ``torchrun --nproc_per_node 2 -m cselab.cli.main geometry`` on gloo: each rank takes
  half of the sentences, the statistics are merged (sampled metrics included: the
  bottom-k keys are global) and rank 0 writes; equal to one process to 1e-6.
- ``kill -9`` during ``--checkpoint-every 1``, then the same command again: it resumes
  from the last checkpoint and writes the numbers of an uninterrupted run.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

COMMON = ["--protocol", "xiao2023", "--batch-size", "2", "--sample-size", "20"]


@pytest.fixture
def corpus(tmp_path: Path, toy_sentences: list[str]) -> Path:
    words = ["red", "blue", "small", "old", "quiet", "green", "big", "new"]
    lines = [f"{s[:-2]} {w} ." for w in words for s in toy_sentences]  # 48 sentences
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def env() -> dict[str, str]:
    out = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        out.pop(name, None)
    return out


def geometry_command(model: Path, corpus: Path, out: Path, *extra: str) -> list[str]:
    return ["-m", "cselab.cli.main", "geometry", str(model), "--corpus", str(corpus),
            "--out", str(out), *COMMON, *extra]  # fmt: skip


def table(out: Path) -> pd.Series:
    frame = pd.read_csv(out / "metrics.csv")
    assert not frame.duplicated(["layer", "metric"]).any()
    return frame.set_index(["layer", "metric"])["value"].sort_index()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def torchrun(args: list[str]) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1",
               "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
               "--master_port", str(free_port()), *args]  # fmt: skip
    return subprocess.run(command, env=env(), capture_output=True, timeout=300, check=False)


@pytest.mark.slow
def test_two_gloo_processes_equal_one_process(tiny_model_dir, corpus, tmp_path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    single = subprocess.run(
        [sys.executable, *geometry_command(tiny_model_dir, corpus, one)],
        env=env(), capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    assert single.returncode == 0, single.stderr.decode()[-3000:]
    done = torchrun(geometry_command(tiny_model_dir, corpus, two))
    if done.returncode != 0:  # the free port can be taken before rank 0 binds it: retry once
        done = torchrun(geometry_command(tiny_model_dir, corpus, two))
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    want, got = table(one), table(two)
    assert got.index.equals(want.index)
    assert ((got - want).abs() <= 1e-6 * (1 + want.abs())).all(), (got - want).abs().max()
    assert {"informativity_r2_k1", "uniformity", "anisotropy_sampled"} <= set(
        got.index.get_level_values("metric")
    )
    summary = json.loads((two / "summary.json").read_text())
    assert summary["processes"] == 2 and summary["n_sentences"] == 48


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::cselab.io.locks.StaleLockWarning")  # the killed run's lock
def test_kill_9_then_resume_equals_uninterrupted(tiny_model_dir, corpus, tmp_path) -> None:
    from typer.testing import CliRunner

    from cselab.cli.main import app

    killed, full = tmp_path / "killed", tmp_path / "full"
    args = geometry_command(tiny_model_dir, corpus, killed, "--checkpoint-every", "1")
    process = subprocess.Popen([sys.executable, *args], env=env(), stderr=subprocess.PIPE)
    checkpoint = killed / "geometry-checkpoint" / "rank-0.pt"
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
    assert checkpoint.exists() and not (killed / "metrics.csv").exists()

    resumed = CliRunner().invoke(app, args[2:])
    assert resumed.exit_code == 0, resumed.output
    summary = json.loads((killed / "summary.json").read_text())
    assert 0 < summary["resumed_from_batch"] < 24  # 48 sentences, 2 per batch
    assert not checkpoint.exists()  # a finished analysis drops its checkpoint
    reference = CliRunner().invoke(app, geometry_command(tiny_model_dir, corpus, full)[2:])
    assert reference.exit_code == 0, reference.output
    want, got = table(full), table(killed)
    assert got.index.equals(want.index)
    assert ((got - want).abs() <= 1e-9 * (1 + want.abs())).all(), (got - want).abs().max()
