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


def test_an_unknown_loss_argument_is_named_with_the_ones_the_loss_takes(make_config) -> None:
    import pytest

    from cselab.errors import CselabError
    from cselab.training.model_setup import build_loss

    with pytest.raises(CselabError) as error:
        build_loss(make_config(loss_params={"tau": 1.0}))
    message = str(error.value)
    assert "loss_params" in message and "'tau'" in message and "temperature" in message
    assert "unexpected keyword" not in message  # not Python's TypeError text
    assert build_loss(make_config(loss_params={"temperature": 0.5})).temperature == 0.5
