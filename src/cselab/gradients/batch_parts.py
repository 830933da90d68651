"""The unified gradient parts of one batch of embeddings (Li et al. 2024), per anchor.

The candidates are those of the losses: the in-batch positives, then the hard negatives
(``negative``, one per anchor); the cosine matrix s_ij (B, M) and the labels y_i = i feed
the closed-form parts of :mod:`cselab.gradients.parts`. Triplet has one positive and one
negative per anchor: s (B, 2) = [s_ap, s_an], labels 0. Symmetric InfoNCE is given here in
its anchor → candidates direction; ``gradient_parts(loss, positive, anchor)`` is its
positive → anchors direction (without hard negatives, as that direction has none).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from cselab.arrays import as_tensor
from cselab.errors import CselabError
from cselab.gradients.loss_spec import LossLike, resolve_loss
from cselab.gradients.parts import PARTS, compute_parts
from cselab.gradients.unified import GradientParts
from cselab.losses.candidates import build_candidates
from cselab.losses.validation import check_views
from cselab.similarity import cosine


def as_embeddings(values, name: str) -> torch.Tensor:
    """Embeddings given as a numpy array, nested lists or a tensor, as a tensor (a tensor
    as it is); ``name`` (anchor, positive, negative) names bad input."""
    if values is None:
        raise CselabError(f"{name}: no embeddings given (None)")
    return as_tensor(values, name=name)


def views(anchor, positive, negative) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """(anchor, positive, negative) as tensors; no negative stays None."""
    hard = None if negative is None else as_embeddings(negative, "negative")
    return as_embeddings(anchor, "anchor"), as_embeddings(positive, "positive"), hard


def batch_scores(
    name: str,
    anchor: torch.Tensor,
    positive: torch.Tensor,
    negative: torch.Tensor | None,
    dtype: torch.dtype = torch.float32,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(cosines (B, M) in ``dtype``, labels (B,)) of the anchors against the candidates of
    loss ``name``."""
    check_views(anchor, positive, negative, min_rows=2)
    if name == "triplet":  # one positive and one negative per anchor
        if negative is None:
            raise CselabError("triplet: its gradient parts: the loss needs the hard negatives")
        pair = [
            F.cosine_similarity(anchor.to(dtype), v.to(dtype), dim=1) for v in (positive, negative)
        ]
        labels = torch.zeros(anchor.shape[0], dtype=torch.long, device=anchor.device)
        return torch.stack(pair, dim=1), labels  # (B, 2)
    candidates, labels = build_candidates(positive, negative)
    return cosine(anchor.to(dtype), candidates.to(dtype)), labels


@torch.no_grad()
def gradient_parts(loss: LossLike, anchor, positive, negative=None, **params) -> GradientParts:
    """D_i, W_i·, r_i and the scale c_i of every anchor of one batch, for ``loss`` (a
    ``PARTS`` name with its hyper-parameters as ``params``, or a ``LOSSES`` module).

    anchor, positive (and negative): (B, d) embeddings as passed to the loss, numpy or
    torch; computed in float64 for float64 input, float32 otherwise. The weights are over
    the candidates (B, M), 0 on each anchor's positive.
    """
    name, params = resolve_loss(loss, params, PARTS)
    anchors, positives, negatives = views(anchor, positive, negative)
    dtype = torch.float64 if anchors.dtype == torch.float64 else torch.float32
    scores, labels = batch_scores(name, anchors, positives, negatives, dtype)
    return compute_parts(name, scores, labels, **params)
