"""A non-finite loss or gradient stops the run at that step naming it (nan_policy: stop) or
skips the update and counts it (nan_policy: skip); the last good checkpoint is kept."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import torch
from safetensors.torch import load_file

from cselab.training import trainer
from cselab.training.checkpoints import checkpoint_dir, list_checkpoints, load_trainer_state
from cselab.training.divergence import Diverged, non_finite
from cselab.training.trainer import train

NAN_STEP = 3


@pytest.fixture
def nan_at_step_3(monkeypatch):
    """Step 3's loss is NaN (its objective's value times NaN); every other step is untouched."""
    real_step = trainer.train_step

    def step(state, batch, objective, **kwargs):
        if state.step + 1 == NAN_STEP:
            return real_step(state, batch, lambda *v: objective(*v) * float("nan"), **kwargs)
        return real_step(state, batch, objective, **kwargs)

    monkeypatch.setattr(trainer, "train_step", step)


def test_what_is_not_finite_is_named() -> None:
    nan, inf = float("nan"), float("inf")
    assert non_finite(1.0, 2.0, True, scaled=False) == ""
    assert non_finite(nan, 2.0, True, scaled=False) == "the loss is nan"
    assert non_finite(1.0, inf, True, scaled=False) == "the gradient norm is inf"
    assert non_finite(1.0, inf, True, scaled=True) == ""  # fp16: the scaler's overflow
    assert non_finite(1.0, 2.0, False, scaled=False) == "the sentence embeddings hold inf or nan"


def test_stop_names_the_step_and_keeps_the_last_good_checkpoint(make_config, nan_at_step_3) -> None:
    config = make_config(max_steps=6, checkpoint_every=2)
    with pytest.raises(Diverged, match=r"diverged at step 3: the loss is nan \(the last good "
                       r"checkpoint '.*step-000002' is kept\); to go on, rerun with --set "
                       r"nan_policy=skip"):  # fmt: skip
        train(config)
    assert [step for step, _ in list_checkpoints(config.output_dir)] == [2]
    summary = json.loads((Path(config.output_dir) / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "diverged"
    assert summary["sessions"][-1]["end"] == {
        "step": 3,
        "status": "diverged",
        "reason": "the loss is nan",
    }


def test_skip_applies_no_update_and_counts_it(make_config, nan_at_step_3) -> None:
    result = train(make_config(max_steps=5, checkpoint_every=1, keep_checkpoints=None,
                               log_every=1, nan_policy="skip"))  # fmt: skip
    assert result.skipped_steps == 1
    before, after = (load_file(str(checkpoint_dir(result.run_dir, s) / "model.safetensors"))
                     for s in (2, 3))  # fmt: skip
    for key in before:
        assert torch.equal(before[key], after[key]), key  # step 3 changed no weight
    moments = [load_trainer_state(checkpoint_dir(result.run_dir, s))["optimizer"] for s in (2, 3)]
    assert moments[0]["state"][0]["step"] == moments[1]["state"][0]["step"] == 2  # Adam's too
    changed = load_file(str(checkpoint_dir(result.run_dir, 4) / "model.safetensors"))
    assert any(not torch.equal(after[k], changed[k]) for k in after)  # step 4 trains again
    table = pd.read_csv(result.run_dir / "metrics.csv")
    skipped = table[table["metric"] == "skipped_steps"].set_index("step")["value"]
    assert skipped.to_dict() == {1: 0, 2: 0, 3: 1, 4: 1, 5: 1}
    loss = table[table["metric"] == "train_loss"]
    assert sorted(loss["step"]) == [1, 2, 4, 5] and loss["value"].notna().all()
