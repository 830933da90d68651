"""Per-batch summaries of the unified gradient parts, cheap enough for every training step.

No autograd: one (B, M) cosine matrix and the closed-form parts of
:mod:`cselab.gradients.parts`. Keys: ``dissipation`` (mean D_i), ``hardest_weight_share``
(mean weight on the hardest negative — the sum over ties), ``ratio`` (mean r_i),
``positive_similarity`` (mean s_{i,y_i}) and ``negative_similarity`` (mean s_ij, j ≠ y_i).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from cselab.errors import CselabError
from cselab.gradients.parts import GradientParts, compute_parts
from cselab.losses.info_nce import build_candidates
from cselab.losses.scores import fill_positive, negative_mask, positive_scores
from cselab.losses.validation import check_views
from cselab.similarity import cosine

SUMMARY_KEYS = (
    "dissipation",
    "hardest_weight_share",
    "ratio",
    "positive_similarity",
    "negative_similarity",
)


def hardest_weight_share(parts: GradientParts, scores, labels) -> torch.Tensor:
    """(B,): Σ of W_ij over the negatives with the highest similarity (1 for margin losses)."""
    masked = fill_positive(scores, labels, -math.inf)
    hardest = masked == masked.amax(dim=1, keepdim=True)  # (B, M)
    return (parts.weights * hardest).sum(dim=1)


def summarise_parts(parts: GradientParts, scores, labels) -> dict[str, torch.Tensor]:
    """Per-anchor values (B,) of every summary key, for a cosine matrix (B, M)."""
    negatives = negative_mask(scores, labels)
    mean_negative = (scores * negatives).sum(dim=1) / negatives.sum(dim=1)
    return {
        "dissipation": parts.dissipation,
        "hardest_weight_share": hardest_weight_share(parts, scores, labels),
        "ratio": parts.ratio,
        "positive_similarity": positive_scores(scores, labels),
        "negative_similarity": mean_negative,
    }


@torch.no_grad()
def gradient_summary(
    loss_name: str,
    anchor: torch.Tensor,
    positive: torch.Tensor,
    negative: torch.Tensor | None = None,
    **params,
) -> dict[str, float]:
    """Batch means of the gradient parts of ``loss_name`` (a key of ``PARTS``).

    anchor, positive (and negative) (B, d) as passed to the loss; ``params`` are the
    loss's hyper-parameters (e.g. temperature=0.05). Candidates are the in-batch positives
    plus the hard negatives, as in the losses.
    """
    check_views(anchor, positive, negative, min_rows=2)
    if loss_name == "triplet":  # one positive and one negative per anchor
        if negative is None:
            raise CselabError("triplet gradient summary needs the hard negatives")
        pair = [F.cosine_similarity(anchor.float(), v.float(), dim=1) for v in (positive, negative)]
        scores = torch.stack(pair, dim=1)  # (B, 2)
        labels = torch.zeros(anchor.shape[0], dtype=torch.long, device=anchor.device)
    else:
        candidates, labels = build_candidates(positive, negative)
        scores = cosine(anchor.float(), candidates.float())  # (B, M)
    parts = compute_parts(loss_name, scores, labels, **params)
    per_anchor = summarise_parts(parts, scores, labels)
    return {key: float(value.mean()) for key, value in per_anchor.items()}
