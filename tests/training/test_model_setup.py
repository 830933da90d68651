"""The optimizer: fused AdamW where available, the same update as plain AdamW."""

from __future__ import annotations

import torch

from cselab.training.model_setup import build_optimizer


def test_fused_adamw_makes_the_plain_update(make_config) -> None:
    config = make_config(learning_rate=1e-2, weight_decay=0.1)
    torch.manual_seed(0)
    fused_param = torch.nn.Parameter(torch.randn(5, 3))
    plain_param = torch.nn.Parameter(fused_param.detach().clone())
    fused = build_optimizer([fused_param], config)
    plain = torch.optim.AdamW([plain_param], lr=1e-2, weight_decay=0.1)
    assert fused.defaults["fused"] is True  # CPU float32 has the fused kernel
    for step in range(3):
        grad = torch.randn(5, 3, generator=torch.Generator().manual_seed(step))
        for param, optimizer in ((fused_param, fused), (plain_param, plain)):
            param.grad = grad.clone()
            optimizer.step()
    torch.testing.assert_close(fused_param, plain_param)
