"""ArcCon: InfoNCE with an additive angular margin on the positive (Zhang et al. 2022,
"A Contrastive Framework for Learning Sentence Representations from Pairwise and
Triple-wise Perspective in Angular Space", ACL; as used by Li et al. 2024).

    ℓ_i = −log  e^{cos(θ_ii + u)/τ} / (e^{cos(θ_ii + u)/τ} + Σ_{j≠i} e^{s_ij/τ}),
    θ_ii = arccos s_ii,  s = cosine,  u = 10° by default, τ = 0.05.

θ_ii is computed as arccos(clamp(s_ii, −1 + 1e-6, 1 − 1e-6)) (see ``scores.safe_arccos``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from cselab.losses.candidates import CandidateLoss
from cselab.losses.scores import positive_scores, safe_arccos
from cselab.losses.validation import (
    check_candidates,
    check_non_negative_number,
    check_positive_number,
)
from cselab.similarity import cosine


def arccon_logits(
    scores: torch.Tensor, labels: torch.Tensor, temperature: float, margin_degrees: float
) -> torch.Tensor:
    """Logits (B, M): S/τ with each positive replaced by cos(arccos(s_{i,y_i}) + u)/τ."""
    u = math.radians(margin_degrees)
    theta = safe_arccos(positive_scores(scores, labels))  # (B,)
    positive_logit = torch.cos(theta + u)  # (B,)
    return scores.scatter(1, labels[:, None], positive_logit[:, None]) / temperature


def arccon_loss(
    anchor: torch.Tensor,
    candidates: torch.Tensor,
    labels: torch.Tensor,
    *,
    temperature: float = 0.05,
    margin_degrees: float = 10.0,
) -> torch.Tensor:
    """Mean ArcCon over anchors; anchor (B, d), candidates (M, d), labels (B,) -> scalar."""
    check_candidates(anchor, candidates, labels)
    tau = check_positive_number("temperature", temperature)
    margin = check_non_negative_number("margin_degrees", margin_degrees)
    scores = cosine(anchor, candidates)  # (B, M)
    return F.cross_entropy(arccon_logits(scores, labels, tau, margin), labels)


class ArcCon(CandidateLoss):
    """ArcCon loss module (in-batch negatives; optional hard negatives)."""

    def __init__(self, *, temperature: float = 0.05, margin_degrees: float = 10.0) -> None:
        super().__init__()
        self.temperature = check_positive_number("temperature", temperature)
        self.margin_degrees = check_non_negative_number("margin_degrees", margin_degrees)

    def from_candidates(self, anchor, positive, candidates, labels, all_anchors):
        loss = arccon_loss(
            anchor,
            candidates,
            labels,
            temperature=self.temperature,
            margin_degrees=self.margin_degrees,
        )
        with torch.no_grad():
            pos = F.cosine_similarity(anchor, positive, dim=-1).mean()
        return loss, {"positive_similarity": pos}
