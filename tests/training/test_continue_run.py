"""A finished run continues to a larger max_steps from its last checkpoint, with its
optimizer state; the schedule is re-planned to the new end; a shorter length is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml
from safetensors.torch import load_file

from cselab.errors import CselabError
from cselab.training.checkpoints import checkpoint_dir
from cselab.training.trainer import train

LR = 1e-3


def weights(run_dir: Path, step: int) -> dict[str, torch.Tensor]:
    return load_file(str(checkpoint_dir(run_dir, step) / "model.safetensors"))


def test_a_continued_run_equals_one_run_of_the_whole_length(make_config, tmp_path: Path) -> None:
    # warm-up longer than both runs: their rates agree at every step, so only the optimizer
    # state (Adam's moments), the data order and the RNG decide whether they are equal
    common = dict(warmup_steps=100, checkpoint_every=2, learning_rate=LR)
    whole = train(make_config(output_dir=str(tmp_path / "whole"), max_steps=8, **common))
    short = make_config(output_dir=str(tmp_path / "cont"), max_steps=4, **common)
    assert train(short).steps == 4
    continued = train(make_config(output_dir=short.output_dir, max_steps=8, **common))
    assert continued.resumed_from == 4 and continued.steps == 8
    got, want = weights(continued.run_dir, 8), weights(whole.run_dir, 8)
    for key in want:
        torch.testing.assert_close(got[key], want[key], atol=1e-6, rtol=1e-5, msg=key)
    summary = json.loads((continued.run_dir / "summary.json").read_text(encoding="utf-8"))
    assert [s["planned_steps"] for s in summary["sessions"]] == [4, 8]
    assert [s["end"]["step"] for s in summary["sessions"]] == [4, 8]
    recorded = yaml.safe_load((continued.run_dir / "config.yaml").read_text(encoding="utf-8"))
    assert recorded["max_steps"] == 8


def test_the_schedule_decays_to_the_new_end_and_shorter_is_refused(make_config) -> None:
    common = dict(warmup_steps=0, checkpoint_every=2, log_every=1, learning_rate=LR)
    train(make_config(max_steps=4, **common))
    result = train(make_config(max_steps=8, **common))
    table = pd.read_csv(result.run_dir / "metrics.csv")
    rates = table[table["metric"] == "learning_rate"].set_index("step")["value"]
    assert rates[4] == 0.0  # the end of the first session's 4-step schedule
    for t in range(5, 9):  # the rate set after step t, of a run planned for 8 steps
        assert rates[t] == pytest.approx(LR * (8 - t) / 8, abs=1e-12), t
    assert not table.duplicated(["step", "metric", "layer"]).any()

    with pytest.raises(
        CselabError, match="'max_steps' = 6 plans 6 steps, but the run is at step 8"
    ):
        train(make_config(max_steps=6, **common))
    with pytest.raises(CselabError, match="'learning_rate' = 0.5 differs from 0.001"):
        train(make_config(max_steps=10, **{**common, "learning_rate": 0.5}))
