"""InfoNCE (SimCSE) and its symmetric form (multiple-negatives symmetric ranking).

InfoNCE (Oord et al. 2018; SimCSE, Gao et al. 2021, eq. 1 and 5) for anchor i with
candidate set C (the positives of the batch, plus hard negatives when given):

    ℓ_i = −log  exp(sim(h_i, c_{y_i})/τ) / Σ_{k∈C} exp(sim(h_i, c_k)/τ)

i.e. the cross-entropy of the rows of sim(H, C)/τ against the label y_i. SimCSE
unsupervised: ``positive`` is a second dropout view of the anchor sentence; supervised:
``positive`` = entailment, ``negative`` = contradiction hard negative (C = P ∪ N).

Distributed training: call :func:`info_nce_loss` with the local anchors (B, d), the
candidates gathered from all processes ``cat(P_all (W·B, d), N_all (W·B, d))`` and labels
``candidate_labels(B, offset=rank·B)``; the formula does not change.
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from cselab.losses.base import LossOutput
from cselab.losses.validation import (
    check_candidates,
    check_positive_number,
    check_views,
    detached,
)
from cselab.similarity import get_similarity


def candidate_labels(
    batch_size: int, offset: int = 0, device: torch.device | str | None = None
) -> torch.Tensor:
    """Labels (B,) = offset + arange(B): anchor i's positive is candidate offset + i."""
    return torch.arange(batch_size, device=device, dtype=torch.long) + offset


def build_candidates(
    positive: torch.Tensor, negative: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Candidates (B or 2B, d) = cat(positive, negative) and labels (B,) = arange(B)."""
    candidates = positive if negative is None else torch.cat([positive, negative], dim=0)
    return candidates, candidate_labels(positive.shape[0], device=positive.device)


def checked_candidates(
    anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Checked views, then :func:`build_candidates`. Without hard negatives the only
    negatives are the other positives, so the batch needs at least 2 rows; with them, 1."""
    check_views(anchor, positive, negative, min_rows=2 if negative is None else 1)
    return build_candidates(positive, negative)


def info_nce_loss(
    anchor: torch.Tensor,
    candidates: torch.Tensor,
    labels: torch.Tensor,
    *,
    temperature: float = 0.05,
    similarity: str = "cosine",
) -> torch.Tensor:
    """Mean InfoNCE over anchors: cross-entropy of sim(anchor, candidates)/τ against labels.

    anchor (B, d), candidates (M, d), labels (B,) long in [0, M). Returns a scalar.
    """
    check_candidates(anchor, candidates, labels)
    tau = check_positive_number("temperature", temperature)
    logits = get_similarity(similarity)(anchor, candidates) / tau  # (B, M)
    return F.cross_entropy(logits, labels)


def symmetric_info_nce_loss(
    anchor: torch.Tensor,
    positive: torch.Tensor,
    candidates: torch.Tensor,
    anchor_candidates: torch.Tensor,
    labels: torch.Tensor,
    *,
    temperature: float = 0.05,
    similarity: str = "cosine",
) -> torch.Tensor:
    """½ (InfoNCE(anchor → candidates) + InfoNCE(positive → anchor_candidates)).

    The multiple-negatives symmetric ranking loss used to train all-MiniLM-L6-v2
    (sentence-transformers ``MultipleNegativesSymmetricRankingLoss``, scale 20 = 1/τ):
    the forward term finds each anchor's positive among ``candidates`` (positives, plus
    hard negatives), the backward term finds each positive's anchor among
    ``anchor_candidates`` (the anchors only). anchor, positive (B, d); candidates (M, d);
    anchor_candidates (N, d); labels (B,): index of pair i in both candidate sets (in
    distributed training both are gathered in rank order, so the same offset labels fit).
    """
    forward = info_nce_loss(
        anchor, candidates, labels, temperature=temperature, similarity=similarity
    )
    backward = info_nce_loss(
        positive, anchor_candidates, labels, temperature=temperature, similarity=similarity
    )
    return 0.5 * (forward + backward)


def _positive_similarity(
    anchor: torch.Tensor, positive: torch.Tensor, similarity: str
) -> torch.Tensor:
    """Mean sim(h_i, h'_i), for logging (detached)."""
    with torch.no_grad():
        return get_similarity(similarity)(anchor, positive).diagonal().mean()


class _InBatchSoftmax(nn.Module):
    """What both InfoNCE modules share: in-batch negatives, a checked τ and similarity."""

    in_batch: ClassVar[bool] = True
    needs_hard_negative: ClassVar[bool] = False

    def __init__(self, *, temperature: float = 0.05, similarity: str = "cosine") -> None:
        super().__init__()
        self.temperature = check_positive_number("temperature", temperature)
        get_similarity(similarity)
        self.similarity = similarity


class InfoNCE(_InBatchSoftmax):
    """InfoNCE / SimCSE loss module; ``negative`` (optional) adds hard negatives."""

    def forward(
        self, anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor | None = None
    ) -> LossOutput:
        candidates, labels = checked_candidates(anchor, positive, negative)
        loss = info_nce_loss(
            anchor, candidates, labels, temperature=self.temperature, similarity=self.similarity
        )
        components = detached(
            positive_similarity=_positive_similarity(anchor, positive, self.similarity)
        )
        return LossOutput(loss, components)


class SymmetricInfoNCE(_InBatchSoftmax):
    """Symmetric InfoNCE (multiple-negatives symmetric ranking), all-MiniLM-L6-v2's objective."""

    def forward(
        self, anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor | None = None
    ) -> LossOutput:
        check_views(anchor, positive, negative, min_rows=2)
        candidates, labels = build_candidates(positive, negative)
        loss = symmetric_info_nce_loss(
            anchor,
            positive,
            candidates,
            anchor,
            labels,
            temperature=self.temperature,
            similarity=self.similarity,
        )
        components = detached(
            positive_similarity=_positive_similarity(anchor, positive, self.similarity)
        )
        return LossOutput(loss, components)
