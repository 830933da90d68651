"""Helpers on a score matrix S (B, M) with labels y (B,): the positive and the negatives.

Candidate y_i is anchor i's positive; every other candidate j ≠ y_i is a negative (the
other in-batch positives, plus hard negatives when present).
"""

from __future__ import annotations

import torch

COSINE_CLAMP = 1e-6
"""arccos is evaluated at clamp(s, −1 + ε, 1 − ε) so its derivative stays finite."""


def positive_scores(scores: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """s_{i, y_i}: (B, M), (B,) -> (B,)."""
    return scores.gather(1, labels[:, None]).squeeze(1)


def negative_mask(scores: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Boolean (B, M): True on the negatives j ≠ y_i."""
    mask = torch.ones_like(scores, dtype=torch.bool)
    return mask.scatter(1, labels[:, None], False)


def fill_positive(scores: torch.Tensor, labels: torch.Tensor, value: float) -> torch.Tensor:
    """S with the positive entry of each row replaced by ``value`` (for max/min over negatives)."""
    return scores.masked_fill(~negative_mask(scores, labels), value)


def safe_arccos(cosines: torch.Tensor) -> torch.Tensor:
    """θ = arccos(clamp(s, −1 + ε, 1 − ε)); zero derivative where the clamp is active."""
    return torch.arccos(cosines.clamp(-1.0 + COSINE_CLAMP, 1.0 - COSINE_CLAMP))
