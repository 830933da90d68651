"""SIGTERM / SIGINT during training: the step finishes, a checkpoint is written, the stop is
recorded, the exit status is 128 + signal, and the rerun reaches the uninterrupted weights."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
from safetensors.torch import load_file

from cselab.training import trainer
from cselab.training.checkpoints import checkpoint_dir, list_checkpoints
from cselab.training.config import save_config
from cselab.training.preemption import RunStopped, stop_on_signals
from cselab.training.trainer import train


def assert_same_weights(a: Path, b: Path) -> None:
    got, want = (load_file(str(p / "model.safetensors")) for p in (a, b))
    for key in want:
        torch.testing.assert_close(got[key], want[key], atol=1e-5, rtol=1e-5, msg=key)


def losses(run_dir: Path) -> pd.Series:
    table = pd.read_csv(run_dir / "metrics.csv")
    assert not table.duplicated(["step", "metric", "layer"]).any()
    return table[table["metric"] == "train_loss"].set_index("step")["value"].sort_index()


def test_signals_set_a_flag_once_then_act(tmp_path: Path) -> None:
    before = signal.getsignal(signal.SIGINT)
    with stop_on_signals() as request:
        os.kill(os.getpid(), signal.SIGTERM)
        assert request.signum == signal.SIGTERM  # still alive: only the flag was set
        os.kill(os.getpid(), signal.SIGINT)  # the first SIGINT: also only recorded
        assert request.signum == signal.SIGINT
        with pytest.raises(KeyboardInterrupt):  # a second SIGINT acts at once
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before


def test_sigterm_checkpoints_the_step_and_the_rerun_resumes_equal(
    make_config, tmp_path: Path, monkeypatch
) -> None:
    common = dict(max_steps=6, checkpoint_every=4, log_every=1)
    reference = train(make_config(output_dir=str(tmp_path / "whole"), **common))
    config = make_config(output_dir=str(tmp_path / "stopped"), **common)
    real_step = trainer.train_step

    def step_then_sigterm(state, *args, **kwargs):
        outcome = real_step(state, *args, **kwargs)
        if state.step == 3:  # the scheduler sends SIGTERM while step 3 runs
            os.kill(os.getpid(), signal.SIGTERM)
        return outcome

    monkeypatch.setattr(trainer, "train_step", step_then_sigterm)
    with pytest.raises(RunStopped, match="stopped by SIGTERM after step 3: checkpoint") as info:
        train(config)
    assert info.value.exit_status == 143
    assert [step for step, _ in list_checkpoints(config.output_dir)] == [3]
    summary = json.loads((Path(config.output_dir) / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "stopped"
    assert summary["sessions"][-1]["end"] == {
        "step": 3,
        "status": "stopped",
        "reason": "stopped by SIGTERM",
    }
    monkeypatch.undo()

    resumed = train(config)
    assert resumed.resumed_from == 3
    assert_same_weights(checkpoint_dir(resumed.run_dir, 6), checkpoint_dir(reference.run_dir, 6))
    torch.testing.assert_close(
        torch.tensor(losses(resumed.run_dir).to_numpy()),
        torch.tensor(losses(reference.run_dir).to_numpy()),
    )


def logged_step(metrics: Path) -> int:
    """The last step with a row in ``metrics`` (written whole by rename: never torn)."""
    return int(pd.read_csv(metrics)["step"].max()) if metrics.is_file() else 0


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_at_a_random_step_then_resume_equals_uninterrupted(
    signum, make_config, tmp_path: Path
) -> None:
    steps = 14
    common = dict(max_steps=steps, checkpoint_every=5, log_every=1)
    config = make_config(output_dir=str(tmp_path / "stopped"), **common)
    target = random.randint(1, steps - 5)
    command = [sys.executable, "-m", "cselab.cli.main", "train",
               "--config", str(save_config(config, tmp_path / "run.yaml"))]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    metrics = Path(config.output_dir) / "metrics.csv"
    deadline = time.monotonic() + 180
    while logged_step(metrics) < target and process.poll() is None:
        assert time.monotonic() < deadline, "training did not reach the target step"
        time.sleep(0.02)
    process.send_signal(signum)
    out, err = process.communicate(timeout=180)
    name = signal.Signals(signum).name
    assert process.returncode == 128 + signum, (target, err.decode()[-3000:])
    assert err.decode().strip().splitlines()[-1].startswith(f"stopped by {name} after step ")
    summary = json.loads((Path(config.output_dir) / "summary.json").read_text(encoding="utf-8"))
    stopped = summary["sessions"][-1]["end"]["step"]
    assert target <= stopped < steps and summary["status"] == "stopped", (target, stopped)
    assert checkpoint_dir(config.output_dir, stopped).is_dir()

    resumed = train(config)
    assert resumed.resumed_from == stopped
    reference = train(make_config(output_dir=str(tmp_path / "whole"), **common))
    assert_same_weights(
        checkpoint_dir(resumed.run_dir, steps), checkpoint_dir(reference.run_dir, steps)
    )
    torch.testing.assert_close(
        torch.tensor(losses(resumed.run_dir).to_numpy()),
        torch.tensor(losses(reference.run_dir).to_numpy()),
    )
