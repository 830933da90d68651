"""Mean L2 norm of token embeddings (Xiao et al. 2023, section 4: norm and isotropy move
together during contrastive training): (1/n) Σ_t ‖x_t‖₂."""

from __future__ import annotations

import torch

from cselab.geometry.base import TokenBatch
from cselab.geometry.validation import as_token_batch, checked_embeddings, require_tokens

NAME = "l2_norm"


def mean_norm(x: torch.Tensor) -> float:
    """All-at-once twin: mean L2 norm of the rows of x (n, d)."""
    x = checked_embeddings(as_token_batch(x), NAME)
    require_tokens(len(x), NAME)
    return float(x.norm(dim=1).mean())


class MeanNorm:
    """Streaming mean L2 norm (running sum of norms and count)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.norm_sum = 0.0
        self.n = 0
        self.dim: int | None = None

    def update(self, batch: TokenBatch) -> None:
        x = checked_embeddings(batch, NAME, self.dim)  # (n, d)
        if len(x) == 0:
            return
        self.dim = x.shape[1]
        self.norm_sum += float(x.norm(dim=1).sum())
        self.n += len(x)

    def compute(self) -> dict[str, float]:
        require_tokens(self.n, NAME)
        return {"l2_norm": self.norm_sum / self.n}
