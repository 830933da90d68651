"""Mixed precision: ``precision: fp32 | bf16 | fp16`` (automatic mixed precision, AMP).

The weights, the optimizer and its moments stay float32 (the "master weights" of
Micikevicius et al. 2018, "Mixed Precision Training"); only the encoder's forward passes
run under :func:`torch.autocast`, where matrix products take bfloat16 or float16 inputs.
The sentence embeddings are cast back to float32 before the loss, so the similarities
scaled by 1/τ, the softmax and the loss are float32.

- ``bf16``: bfloat16 has float32's exponent range, so gradients cannot overflow and no
  loss scaling is needed. Runs on CPUs (torch's CPU autocast) and on GPUs with bfloat16
  (NVIDIA Ampere and later).
- ``fp16``: float16's largest value is 65,504 and its smallest normal 6.1e-5, so small
  gradients underflow. A :class:`torch.amp.GradScaler` multiplies the loss by a scale S
  before backward (gradients are S·∂L/∂θ), divides the gradients by S before clipping and
  the optimizer step, skips the step when they hold inf/NaN (S halves), and doubles S after
  2,000 steps without overflow. S and its counter are part of every checkpoint, so a
  resumed fp16 run skips and scales exactly as the uninterrupted one.
- ``fp32``: no autocast (the default).
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def device_type(device: str) -> str:
    """``cuda:1`` -> ``cuda``: the device type :func:`torch.autocast` takes."""
    return torch.device(device).type


def precision_problem(precision: str, device: str) -> str | None:
    """Why ``precision`` cannot run on ``device`` (None when it can)."""
    if precision not in DTYPES:
        return None
    kind = device_type(device)
    if not autocast_available(kind):
        return f"torch has no autocast for device {device!r}; use fp32"
    if precision == "fp16" and kind != "cuda" and not hasattr(torch.amp, "GradScaler"):
        return f"torch {torch.__version__} has no gradient scaler for {device!r} (torch >= 2.3 has)"
    cuda = kind == "cuda" and torch.cuda.is_available()
    if precision == "bf16" and cuda and not torch.cuda.is_bf16_supported():
        return f"device {device!r} has no bfloat16; use fp16 (with loss scaling) or fp32"
    return None


def autocast_available(kind: str) -> bool:
    """Whether torch has autocast for a device type (torch < 2.4: CPU and CUDA)."""
    check = getattr(torch.amp.autocast_mode, "is_autocast_available", None)
    return kind in ("cpu", "cuda") if check is None else bool(check(kind))


def grad_scaler(kind: str) -> Any:
    """fp16's ``GradScaler`` for a device type (``torch.cuda.amp``'s before torch 2.3)."""
    if hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler(kind)
    return torch.cuda.amp.GradScaler()


class Precision:
    """The autocast context of the forward passes and, for fp16, the gradient scaler."""

    def __init__(self, precision: str, device: str) -> None:
        self.name = precision
        self.device_type = device_type(device)
        self.dtype = DTYPES.get(precision)
        self.scaler = grad_scaler(self.device_type) if precision == "fp16" else None

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        """The context the encoder's forward passes run in (nothing for fp32)."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    def scale(self, loss: torch.Tensor) -> torch.Tensor:
        """What to back-propagate: S·loss under fp16, the loss otherwise."""
        return loss if self.scaler is None else self.scaler.scale(loss)

    def unscale(self, optimizer: torch.optim.Optimizer) -> None:
        """Divide the gradients by S (before they are clipped or measured)."""
        if self.scaler is not None:
            self.scaler.unscale_(optimizer)

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        """The optimizer step (under fp16: skipped when a gradient is inf/NaN; S updated)."""
        if self.scaler is None:
            optimizer.step()
            return
        self.scaler.step(optimizer)
        self.scaler.update()

    def skip(self, optimizer: torch.optim.Optimizer) -> None:
        """No optimizer step; under fp16 the scaler still records this step's overflow check
        (after :meth:`unscale`), as ``GradScaler`` expects one update per unscale."""
        if self.scaler is not None:
            self.scaler.update()

    def state_dict(self) -> dict[str, Any] | None:
        return None if self.scaler is None else self.scaler.state_dict()

    def load_state_dict(self, state: dict[str, Any] | None) -> None:
        if self.scaler is not None and state:
            self.scaler.load_state_dict(state)
