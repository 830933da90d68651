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

import torch
import torch.nn.functional as F

from cselab.losses.candidates import (  # re-exported: the candidate helpers' first home
    CandidateLoss,
    build_candidates,
    candidate_labels,
    checked_candidates,
)
from cselab.losses.validation import check_candidates, check_positive_number
from cselab.similarity import get_similarity

__all__ = [
    "InfoNCE",
    "SymmetricInfoNCE",
    "build_candidates",
    "candidate_labels",
    "checked_candidates",
    "info_nce_loss",
    "symmetric_info_nce_loss",
]


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


class _InBatchSoftmax(CandidateLoss):
    """What both InfoNCE modules share: in-batch negatives, a checked τ and similarity."""

    def __init__(self, *, temperature: float = 0.05, similarity: str = "cosine") -> None:
        super().__init__()
        self.temperature = check_positive_number("temperature", temperature)
        get_similarity(similarity)
        self.similarity = similarity

    def _options(self) -> dict:
        return {"temperature": self.temperature, "similarity": self.similarity}


class InfoNCE(_InBatchSoftmax):
    """InfoNCE / SimCSE loss module; ``negative`` (optional) adds hard negatives."""

    def from_candidates(self, anchor, positive, candidates, labels, all_anchors):
        loss = info_nce_loss(anchor, candidates, labels, **self._options())
        return loss, {
            "positive_similarity": _positive_similarity(anchor, positive, self.similarity)
        }


class SymmetricInfoNCE(_InBatchSoftmax):
    """Symmetric InfoNCE (multiple-negatives symmetric ranking), all-MiniLM-L6-v2's objective."""

    anchors_are_candidates = True
    min_rows_with_negative = 2

    def from_candidates(self, anchor, positive, candidates, labels, all_anchors):
        loss = symmetric_info_nce_loss(
            anchor, positive, candidates, all_anchors, labels, **self._options()
        )
        return loss, {
            "positive_similarity": _positive_similarity(anchor, positive, self.similarity)
        }
