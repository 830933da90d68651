"""BYOL in the trainer: EMA target (the loss's own), symmetrised loss, predictor trained,
exact resume."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import nn

from cselab.losses import LOSSES
from cselab.training.checkpoints import load_trainer_state
from cselab.training.trainer import train


def assert_same_weights(a: Path, b: Path) -> None:
    wa, wb = (load_file(str(p / "model.safetensors")) for p in (a, b))
    assert wa.keys() == wb.keys()
    for key in wa:
        torch.testing.assert_close(wa[key], wb[key], atol=1e-6, rtol=1e-5, msg=key)


def test_symmetric_objective_matches_the_paper() -> None:
    torch.manual_seed(0)
    loss = LOSSES["byol"](dim=4, hidden_size=8)
    za, zp, ta, tp = (torch.randn(5, 4) for _ in range(4))
    loss.set_target_views(ta, tp)
    out = loss(za, zp)
    q = loss.predictor  # Grill et al. 2020, Eq. 2 + its symmetrised sum
    expected = (2 - 2 * F.cosine_similarity(q(za), tp)).mean() + (
        2 - 2 * F.cosine_similarity(q(zp), ta)
    ).mean()
    torch.testing.assert_close(out, expected)


def test_ema_target_update() -> None:
    online = nn.Linear(3, 2)
    loss = LOSSES["byol"](dim=2, hidden_size=4, ema_decay=0.9)
    loss.setup(online)
    before = loss.target.weight.clone()
    with torch.no_grad():
        online.weight.add_(1.0)
    loss.after_step(online)
    torch.testing.assert_close(loss.target.weight, 0.9 * before + 0.1 * online.weight)
    assert not loss.target.weight.requires_grad


def test_byol_trains_and_resumes_exactly(make_config, tmp_path: Path) -> None:
    common = dict(loss="byol", loss_params={"hidden_size": 64}, ema_decay=0.9, probe_every=3)
    full = train(make_config(output_dir=str(tmp_path / "full"), max_steps=24, **common))
    table = pd.read_csv(full.run_dir / "metrics.csv")
    loss = table[table["metric"] == "train_loss"].sort_values("step")["value"].to_numpy()
    assert loss[-1] < 0.6 * loss[0], loss  # 3.76 -> 1.90 when written
    state = load_trainer_state(full.run_dir / "checkpoints" / "step-000024")
    assert any(k.startswith("target.") for k in state["loss"])  # the EMA target
    assert any(k.startswith("predictor.") for k in state["loss"])

    part = make_config(output_dir=str(tmp_path / "part"), max_steps=6, **common)
    reference = train(make_config(output_dir=str(tmp_path / "ref"), max_steps=6, **common))
    train(part)
    shutil.rmtree(Path(part.output_dir) / "checkpoints" / "step-000006")
    assert train(part).resumed_from == 3
    final = Path(part.output_dir) / "checkpoints" / "step-000006"
    expected = reference.run_dir / "checkpoints" / "step-000006"
    assert_same_weights(expected, final)
    got, want = load_trainer_state(final), load_trainer_state(expected)
    for key, value in want["loss"].items():  # predictor and EMA target
        torch.testing.assert_close(got["loss"][key], value, msg=f"loss.{key}")
