"""What every loss in cselab returns, and the call convention the trainer relies on.

A loss is a pure function of embeddings (never of the model) plus a thin ``nn.Module``
that holds its hyper-parameters. The module is called as
``loss(anchor, positive, negative=None)`` with (B, d) tensors — ``negative`` holds one hard
negative per anchor when the data has them — and returns a :class:`LossOutput`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class LossOutput:
    """The scalar to minimise and named, detached components for logging."""

    loss: torch.Tensor
    components: dict[str, torch.Tensor] = field(default_factory=dict)
