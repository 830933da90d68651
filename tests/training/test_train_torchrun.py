"""`torchrun --nproc_per_node 2 -m cselab.cli.main train` on CPU (gloo) equals one process.

Two gloo processes, each with half of every global batch and the InfoNCE candidates
gathered from both, must reach the weights and losses of one process with the whole batch
(dropout off, so both see the same network). With dropout on, a two-process run resumed
from its middle checkpoint must equal the uninterrupted two-process run: every rank gets
its own RNG state back.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch
from safetensors.torch import load_file

from cselab.errors import CselabError
from cselab.models.tiny import build_tiny_bert
from cselab.training.checkpoints import list_checkpoints, load_trainer_state
from cselab.training.config import save_config
from cselab.training.trainer import train

STEPS, EVERY = 4, 2


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def torchrun_train(config_path: Path, timeout: float = 120) -> str:
    """Train with two processes; returns their standard output."""
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc_per_node", "2",
        "--master_addr", "127.0.0.1", "--master_port", str(free_port()),
        "-m", "cselab.cli.main", "train", "--config", str(config_path),
    ]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    done = subprocess.run(command, env=env, capture_output=True, timeout=timeout, check=False)
    assert done.returncode == 0, done.stderr.decode()[-4000:]
    return done.stdout.decode()


def final_weights(run_dir: Path, step: int = STEPS) -> dict[str, torch.Tensor]:
    return load_file(str(Path(run_dir) / "checkpoints" / f"step-{step:06d}" / "model.safetensors"))


def assert_same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], atol: float) -> None:
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=atol, rtol=1e-5, msg=key)


def loss_rows(run_dir: Path) -> pd.Series:
    table = pd.read_csv(Path(run_dir) / "metrics.csv")
    assert not table.duplicated(["step", "metric", "layer"]).any()  # rank 0 alone wrote it
    return table[table["metric"] == "train_loss"].set_index("step")["value"].sort_index()


@pytest.mark.slow
def test_two_gloo_processes_equal_one_process(make_config, tmp_path: Path) -> None:
    model = build_tiny_bert(tmp_path / "no_dropout", dropout=0.0)
    common = dict(
        model=str(model), max_steps=STEPS, checkpoint_every=EVERY, probe_every=EVERY,
        probe_gradients=False, temperature=0.1,
    )  # fmt: skip
    two = make_config(output_dir=str(tmp_path / "two"), **common)
    out = torchrun_train(save_config(two, tmp_path / "two.yaml"))
    assert out.count("trained ") == 1 and out.count("disk used: ") == 1, out  # rank 0 only
    one = train(make_config(output_dir=str(tmp_path / "one"), **common))

    assert [s for s, _ in list_checkpoints(two.output_dir)] == [EVERY, STEPS]
    assert_same(final_weights(two.output_dir), final_weights(one.run_dir), atol=1e-5)
    two_loss, one_loss = loss_rows(Path(two.output_dir)), loss_rows(one.run_dir)
    assert list(two_loss.index) == [EVERY, STEPS]
    torch.testing.assert_close(
        torch.tensor(two_loss.to_numpy()), torch.tensor(one_loss.to_numpy()), rtol=1e-5, atol=1e-6
    )
    state = load_trainer_state(Path(two.output_dir) / "checkpoints" / f"step-{STEPS:06d}")
    assert state["world_size"] == 2 and len(state["rng_ranks"]) == 2
    rank0, rank1 = (rng["torch"] for rng in state["rng_ranks"])
    assert not torch.equal(rank0, rank1)  # per-rank seeds: seed + rank


@pytest.mark.slow
def test_two_process_resume_with_dropout_is_exact(make_config, tmp_path: Path) -> None:
    config = make_config(output_dir=str(tmp_path / "run"), max_steps=STEPS, checkpoint_every=EVERY)
    path = save_config(config, tmp_path / "run.yaml")
    torchrun_train(path)
    expected = final_weights(config.output_dir)
    shutil.rmtree(Path(config.output_dir) / "checkpoints" / f"step-{STEPS:06d}")  # "crash"

    with pytest.raises(CselabError, match=r"written by 2 process\(es\) but WORLD_SIZE=1"):
        train(config)  # one process cannot continue the two ranks' dropout streams
    torchrun_train(path)
    assert_same(final_weights(config.output_dir), expected, atol=1e-6)
