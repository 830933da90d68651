"""Mixed precision: bf16/fp16 autocast on the forward passes, fp32 weights and loss; fp16's
gradient scaler is in every checkpoint, so an fp16 run resumes exactly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from cselab.errors import CselabError
from cselab.training.checkpoints import checkpoint_dir, load_trainer_state
from cselab.training.precision import Precision, precision_problem
from cselab.training.trainer import train


def test_the_forward_runs_in_the_precision_asked() -> None:
    layer = torch.nn.Linear(4, 4)
    x = torch.randn(2, 4)
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16), ("fp16", torch.float16)):
        precision = Precision(name, "cpu")
        with precision.autocast():
            assert layer(x).dtype == dtype
        assert (precision.scaler is not None) == (name == "fp16")  # loss scaling for fp16 only
    assert precision_problem("bf16", "meta") == "torch has no autocast for device 'meta'; use fp32"


def test_an_unknown_precision_is_named(make_config) -> None:
    with pytest.raises(CselabError, match=r"'precision' = 'fp8': choose one of \['fp32'"):
        train(make_config(precision="fp8"))


def test_bf16_trains_with_bf16_matmuls_and_fp32_weights(make_config) -> None:
    dtypes: set[torch.dtype] = set()

    def record(module, inputs, output) -> None:
        if isinstance(module, torch.nn.Linear) and module.training:
            dtypes.add(output.dtype)

    hook = torch.nn.modules.module.register_module_forward_hook(record)
    try:
        result = train(make_config(max_steps=2, checkpoint_every=2, precision="bf16"))
    finally:
        hook.remove()
    assert dtypes == {torch.bfloat16}  # every training forward of a linear layer
    weights = load_file(str(checkpoint_dir(result.run_dir, 2) / "model.safetensors"))
    assert {w.dtype for w in weights.values()} == {torch.float32}
    assert "grad_scaler" not in load_trainer_state(checkpoint_dir(result.run_dir, 2))


def test_fp16_resumes_exactly_with_its_scaler(make_config, tmp_path: Path) -> None:
    # τ = 0.001 scales the logits by 1000: the scaled fp16 gradients overflow, the scaler
    # skips those steps and halves its scale, so a resume must restore it to replay them
    common = dict(max_steps=8, checkpoint_every=4, precision="fp16", temperature=0.001)
    full = train(make_config(output_dir=str(tmp_path / "full"), **common))
    part = make_config(output_dir=str(tmp_path / "part"), **common)
    train(part)
    scaler = load_trainer_state(checkpoint_dir(part.output_dir, 4))["grad_scaler"]
    assert scaler["scale"] < 2.0**16  # overflows halved the initial scale
    shutil.rmtree(checkpoint_dir(part.output_dir, 8))
    assert train(part).resumed_from == 4
    got = load_file(str(checkpoint_dir(part.output_dir, 8) / "model.safetensors"))
    want = load_file(str(checkpoint_dir(full.run_dir, 8) / "model.safetensors"))
    middle = load_file(str(checkpoint_dir(full.run_dir, 4) / "model.safetensors"))
    assert any(not torch.equal(want[k], middle[k]) for k in want)  # steps 5-8 updated it
    for key in want:
        torch.testing.assert_close(got[key], want[key], atol=1e-6, rtol=1e-5, msg=key)
    final = load_trainer_state(checkpoint_dir(part.output_dir, 8))["grad_scaler"]
    assert final == load_trainer_state(checkpoint_dir(full.run_dir, 8))["grad_scaler"]
