"""The step's gradient norm: the global L2 norm before clipping, with or without a bound."""

from __future__ import annotations

import math

import torch

from cselab.training.step import gradient_norm


def params_with_grads() -> list[torch.nn.Parameter]:
    a, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(1))
    a.grad, b.grad = torch.tensor([3.0, 0.0]), torch.tensor([4.0])
    return [a, b]


def test_the_norm_is_taken_before_clipping() -> None:
    params = params_with_grads()
    assert gradient_norm(params, None) == 5.0  # sqrt(3² + 4²)
    assert params[1].grad.item() == 4.0  # no bound: the gradients are unchanged
    assert gradient_norm(params, 1.0) == 5.0
    clipped = math.sqrt(sum(float(p.grad.pow(2).sum()) for p in params))
    assert abs(clipped - 1.0) < 1e-5
