"""kill -9 a training subprocess, resume, and reach the weights of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from cselab.training.checkpoints import list_checkpoints
from cselab.training.config import save_config
from cselab.training.trainer import train

STEPS, EVERY = 40, 5


@pytest.mark.slow
def test_sigkill_then_resume_equals_uninterrupted(make_config, tmp_path: Path) -> None:
    every = dict(max_steps=STEPS, checkpoint_every=EVERY, keep_checkpoints=None)  # all kept
    config = make_config(output_dir=str(tmp_path / "killed"), **every)
    config_path = save_config(config, tmp_path / "run.yaml")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "cselab.cli.main", "train", "--config", str(config_path)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    first = Path(config.output_dir) / "checkpoints" / f"step-{EVERY:06d}"
    deadline = time.monotonic() + 120
    while not first.is_dir() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()[-2000:]
    done = [step for step, _ in list_checkpoints(config.output_dir)]
    assert done and max(done) < STEPS, f"the run finished before it was killed: {done}"

    resumed = train(config)
    assert resumed.resumed_from == max(done)
    reference = train(make_config(output_dir=str(tmp_path / "full"), **every))
    for step, path in list_checkpoints(resumed.run_dir):
        if step <= max(done):
            continue
        expected = load_file(
            str(reference.run_dir / path.relative_to(resumed.run_dir) / "model.safetensors")
        )
        actual = load_file(str(path / "model.safetensors"))
        for key in expected:
            torch.testing.assert_close(actual[key], expected[key], atol=1e-5, rtol=1e-5, msg=key)
