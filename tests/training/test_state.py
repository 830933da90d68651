"""TrainState: saved and restored in one place; older checkpoint formats resume, newer are
refused with a line naming the checkpoint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from cselab.errors import CselabError
from cselab.training.checkpoints import STATE_FILE, checkpoint_dir, load_trainer_state
from cselab.training.state import STATE_FORMAT, upgraded
from cselab.training.trainer import train


def as_format_1(path: Path) -> None:
    """Rewrite a checkpoint's state as cselab wrote it before format 2: no ``format`` key, and
    BYOL's EMA target beside the loss as ``byol_target``."""
    state = load_trainer_state(path)
    assert state.pop("format") == 2
    loss = state["loss"]
    state["byol_target"] = {
        k[len("target.") :]: v for k, v in loss.items() if k.startswith("target.")
    }
    state["loss"] = {k: v for k, v in loss.items() if not k.startswith("target.")}
    assert state["byol_target"] and state["loss"]
    torch.save(state, path / STATE_FILE)


def test_a_format_1_byol_checkpoint_resumes_exactly(make_config, tmp_path: Path) -> None:
    common = dict(loss="byol", loss_params={"hidden_size": 16}, ema_decay=0.9, max_steps=4,
                  checkpoint_every=2)  # fmt: skip
    reference = train(make_config(output_dir=str(tmp_path / "ref"), **common))
    part = make_config(output_dir=str(tmp_path / "part"), **common)
    train(part)
    shutil.rmtree(checkpoint_dir(part.output_dir, 4))
    as_format_1(checkpoint_dir(part.output_dir, 2))
    assert train(part).resumed_from == 2

    got_dir, want_dir = checkpoint_dir(part.output_dir, 4), checkpoint_dir(reference.run_dir, 4)
    got, want = (load_file(str(p / "model.safetensors")) for p in (got_dir, want_dir))
    for key in want:
        torch.testing.assert_close(got[key], want[key], atol=1e-6, rtol=1e-5, msg=key)
    got_loss, want_loss = (load_trainer_state(p)["loss"] for p in (got_dir, want_dir))
    assert got_loss.keys() == want_loss.keys()
    for key, value in want_loss.items():  # predictor and EMA target
        torch.testing.assert_close(got_loss[key], value, atol=1e-6, rtol=1e-5, msg=key)


def test_a_newer_format_is_refused_with_its_name() -> None:
    with pytest.raises(CselabError, match=r"'ckpt/step-000002' has trainer state format 3"):
        upgraded({"format": STATE_FORMAT + 1}, Path("ckpt/step-000002"))
    same = {"format": STATE_FORMAT, "loss": {"w": torch.ones(1)}}
    assert upgraded(same, Path("x")) is same


def test_the_state_holds_what_a_resume_needs(make_config) -> None:
    result = train(make_config(max_steps=2, checkpoint_every=1, probe_every=1))
    first, last = (load_trainer_state(checkpoint_dir(result.run_dir, s)) for s in (1, 2))
    assert first["format"] == STATE_FORMAT and first["step"] == 1 and first["world_size"] == 1
    assert {"optimizer", "scheduler", "rng", "loss", "totals", "components"} <= set(first)
    assert "optimizer" in last  # a finished run may be continued to more steps
    assert first["totals"]["loss_count"] == 0  # the window was logged at step 1, then reset
    assert last["totals"]["sentences"] == 2 * 8  # two steps of batch 8
