"""Per-batch summaries of the unified gradient parts, cheap enough for every training step.

No autograd: one (B, M) cosine matrix and the closed-form parts of
:mod:`cselab.gradients.parts`. Keys: ``dissipation`` (mean D_i), ``hardest_weight_share``
(mean weight on the hardest negative — the sum over ties), ``ratio`` (mean r_i),
``positive_similarity`` (mean s_{i,y_i}) and ``negative_similarity`` (mean s_ij, j ≠ y_i).
Symmetric InfoNCE has two directions: the keys describe anchor → candidates, the same keys
with ``_backward`` appended describe positive → anchors.
"""

from __future__ import annotations

import math

import torch

from cselab.gradients.batch_parts import batch_scores, views
from cselab.gradients.loss_spec import LossLike, resolve_loss
from cselab.gradients.parts import PARTS, compute_parts
from cselab.gradients.unified import GradientParts
from cselab.losses.scores import fill_positive, negative_mask, positive_scores
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


def _mean_summary(name: str, scores, labels, params) -> dict[str, float]:
    """Batch means of :func:`summarise_parts` for a cosine matrix (B, M)."""
    parts = compute_parts(name, scores, labels, **params)
    return {key: float(v.mean()) for key, v in summarise_parts(parts, scores, labels).items()}


@torch.no_grad()
def gradient_summary(
    loss: LossLike,
    anchor: torch.Tensor,
    positive: torch.Tensor,
    negative: torch.Tensor | None = None,
    **params,
) -> dict[str, float]:
    """Batch means of the gradient parts of ``loss`` (a ``PARTS`` name with its ``params``,
    or a ``LOSSES`` module).

    anchor, positive (and negative) (B, d) as passed to the loss (numpy or torch);
    ``params`` are the loss's hyper-parameters (e.g. temperature=0.05). Candidates are the
    in-batch positives plus the hard negatives, as in the losses
    (:func:`cselab.gradients.batch_parts.batch_scores`).
    """
    name, params = resolve_loss(loss, params, PARTS)
    anchors, positives, negatives = views(anchor, positive, negative)
    scores, labels = batch_scores(name, anchors, positives, negatives)
    summary = _mean_summary(name, scores, labels, params)
    if name == "symmetric_info_nce":  # positive → anchors
        scores = cosine(positives.float(), anchors.float())
        backward = _mean_summary(name, scores, labels, params)
        summary.update({f"{key}_backward": value for key, value in backward.items()})
    return summary
