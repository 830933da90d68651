"""Hardest-negative margin losses MPT, MET, MAT (Li et al. 2024, ACL; the authors' code).

With cosines s_ij = cos(h_i, h'_j), positive j = y_i, negatives j ≠ y_i:

- MPT (margin on similarity):  mean_i relu(max_{j≠y_i} s_ij − s_{i,y_i} + m),  m = 0.23.
- MET (margin on Euclidean distance of unit vectors):
  d_ij = sqrt(max(2 − 2 s_ij, 1e-4)),  mean_i relu(d_{i,y_i} − min_{j≠y_i} d_ij + m),  m = 0.45.
- MAT (margin on angle): θ_ij = arccos s_ij,  mean_i relu(θ_{i,y_i} − min_{j≠y_i} θ_ij + m),
  m = 0.15π (θ from a clamped cosine, ``scores.safe_arccos``).

Ties for the hardest negative share the (sub)gradient equally (``amax``/``amin``), so
identical negatives are treated symmetrically. MPT also accepts ``similarity="dot"`` or
``"neg_l2"``; MET and MAT are defined on the unit sphere and always use cosine.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from cselab.losses.candidates import CandidateLoss
from cselab.losses.scores import fill_positive, positive_scores, safe_arccos
from cselab.losses.validation import check_candidates, check_non_negative_number
from cselab.similarity import cosine, get_similarity

MET_MIN_SQUARED_DISTANCE = 1e-4


def met_distances(scores: torch.Tensor) -> torch.Tensor:
    """d = sqrt(max(2 − 2s, 1e-4)), the authors' clamped chord length: (B, M) -> (B, M)."""
    return (2.0 - 2.0 * scores).clamp(min=MET_MIN_SQUARED_DISTANCE).sqrt()


def mpt_from_scores(scores: torch.Tensor, labels: torch.Tensor, margin: float) -> torch.Tensor:
    """MPT on a score matrix (B, M): mean relu(max_neg s − s_pos + m)."""
    hardest = fill_positive(scores, labels, -math.inf).amax(dim=1)  # (B,)
    return F.relu(hardest - positive_scores(scores, labels) + margin).mean()


def met_from_scores(scores: torch.Tensor, labels: torch.Tensor, margin: float) -> torch.Tensor:
    """MET on a cosine matrix (B, M): mean relu(d_pos − min_neg d + m)."""
    distances = met_distances(scores)  # (B, M)
    nearest = fill_positive(distances, labels, math.inf).amin(dim=1)  # (B,)
    return F.relu(positive_scores(distances, labels) - nearest + margin).mean()


def mat_from_scores(scores: torch.Tensor, labels: torch.Tensor, margin: float) -> torch.Tensor:
    """MAT on a cosine matrix (B, M): mean relu(θ_pos − min_neg θ + m)."""
    angles = safe_arccos(scores)  # (B, M)
    nearest = fill_positive(angles, labels, math.inf).amin(dim=1)  # (B,)
    return F.relu(positive_scores(angles, labels) - nearest + margin).mean()


def mpt_loss(anchor, candidates, labels, *, margin: float = 0.23, similarity: str = "cosine"):
    """MPT on embeddings: anchor (B, d), candidates (M, d), labels (B,) -> scalar."""
    check_candidates(anchor, candidates, labels)
    margin = check_non_negative_number("margin", margin)
    return mpt_from_scores(get_similarity(similarity)(anchor, candidates), labels, margin)


def met_loss(anchor, candidates, labels, *, margin: float = 0.45):
    """MET on embeddings (cosine): anchor (B, d), candidates (M, d), labels (B,) -> scalar."""
    check_candidates(anchor, candidates, labels)
    margin = check_non_negative_number("margin", margin)
    return met_from_scores(cosine(anchor, candidates), labels, margin)


def mat_loss(anchor, candidates, labels, *, margin: float = 0.15 * math.pi):
    """MAT on embeddings (cosine): anchor (B, d), candidates (M, d), labels (B,) -> scalar."""
    check_candidates(anchor, candidates, labels)
    margin = check_non_negative_number("margin", margin)
    return mat_from_scores(cosine(anchor, candidates), labels, margin)


class _HardestNegativeMargin(CandidateLoss):
    """Shared module body: candidates = in-batch positives (+ hard negatives)."""

    def _loss(self, anchor, candidates, labels) -> torch.Tensor:
        raise NotImplementedError

    def from_candidates(self, anchor, positive, candidates, labels, all_anchors):
        loss = self._loss(anchor, candidates, labels)
        with torch.no_grad():
            scores = cosine(anchor, candidates)
            pos = positive_scores(scores, labels)
            hardest = fill_positive(scores, labels, -math.inf).amax(dim=1)
        return loss, {
            "positive_similarity": pos.mean(),
            "hardest_negative_similarity": hardest.mean(),
        }


class MPT(_HardestNegativeMargin):
    """MPT: margin m on cosine similarity against the hardest negative."""

    def __init__(self, *, margin: float = 0.23, similarity: str = "cosine") -> None:
        super().__init__()
        self.margin = check_non_negative_number("margin", margin)
        get_similarity(similarity)
        self.similarity = similarity

    def _loss(self, anchor, candidates, labels):
        return mpt_loss(anchor, candidates, labels, margin=self.margin, similarity=self.similarity)


class MET(_HardestNegativeMargin):
    """MET: margin m on the Euclidean distance of unit vectors against the nearest negative."""

    def __init__(self, *, margin: float = 0.45) -> None:
        super().__init__()
        self.margin = check_non_negative_number("margin", margin)

    def _loss(self, anchor, candidates, labels):
        return met_loss(anchor, candidates, labels, margin=self.margin)


class MAT(_HardestNegativeMargin):
    """MAT: margin m (radians) on the angle against the nearest negative."""

    def __init__(self, *, margin: float = 0.15 * math.pi) -> None:
        super().__init__()
        self.margin = check_non_negative_number("margin", margin)

    def _loss(self, anchor, candidates, labels):
        return mat_loss(anchor, candidates, labels, margin=self.margin)
