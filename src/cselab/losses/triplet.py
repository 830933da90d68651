"""Triplet loss (FaceNet, Schroff et al. 2015, eq. 1-3).

    L = mean_i max(0, D(a_i, p_i) − D(a_i, n_i) + α)

with ``distance``:
- ``"squared_euclidean"`` (FaceNet): D(a, b) = ‖f(a) − f(b)‖², where FaceNet constrains the
  embeddings to the unit hypersphere (``normalize=True``, the default; then
  D = 2 − 2 cos(a, b)). FaceNet's margin α = 0.2.
- ``"euclidean"``: D(a, b) = ‖f(a) − f(b)‖ (sentence-transformers ``TripletLoss``).
- ``"cosine"``: D(a, b) = 1 − cos(a, b) (scale-invariant; ``normalize`` has no effect).

The loss needs one negative per anchor (no in-batch negatives), so it works with batch 1,
and under several processes each computes its own rows (a per-example mean: DDP's
averaging of the gradients makes it the whole batch's).
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F

from cselab.errors import CselabError
from cselab.losses.base import Loss
from cselab.losses.validation import check_choice, check_non_negative_number, check_views

DISTANCES = ("squared_euclidean", "euclidean", "cosine")


def pairwise_distance(
    a: torch.Tensor, b: torch.Tensor, distance: str, normalize: bool = True
) -> torch.Tensor:
    """Row-wise distance D(a_i, b_i): (B, d), (B, d) -> (B,)."""
    check_choice("distance", distance, DISTANCES)
    if distance == "cosine":
        return 1.0 - F.cosine_similarity(a, b, dim=-1)
    if normalize:
        a, b = F.normalize(a, dim=-1), F.normalize(b, dim=-1)
    squared = (a - b).pow(2).sum(dim=-1)  # (B,)
    if distance == "squared_euclidean":
        return squared
    return (a - b).norm(dim=-1)


def triplet_loss(
    anchor: torch.Tensor,
    positive: torch.Tensor,
    negative: torch.Tensor,
    *,
    margin: float = 0.2,
    distance: str = "squared_euclidean",
    normalize: bool = True,
) -> torch.Tensor:
    """mean_i relu(D(a_i, p_i) − D(a_i, n_i) + margin); (B, d) each -> scalar."""
    check_views(anchor, positive, negative)
    margin = check_non_negative_number("margin", margin)
    d_pos = pairwise_distance(anchor, positive, distance, normalize)  # (B,)
    d_neg = pairwise_distance(anchor, negative, distance, normalize)  # (B,)
    return F.relu(d_pos - d_neg + margin).mean()


class TripletLoss(Loss):
    """FaceNet triplet loss module; requires ``negative`` (one hard negative per anchor)."""

    in_batch: ClassVar[bool] = False
    gatherable: ClassVar[bool] = True
    columns: ClassVar[tuple[str, ...]] = ("anchor", "positive", "negative")
    optional_columns: ClassVar[tuple[str, ...]] = ()
    target_network: ClassVar[bool] = False

    def __init__(
        self, *, margin: float = 0.2, distance: str = "squared_euclidean", normalize: bool = True
    ) -> None:
        super().__init__()
        self.margin = check_non_negative_number("margin", margin)
        self.distance = check_choice("distance", distance, DISTANCES)
        self.normalize = bool(normalize)

    def loss_and_parts(self, anchor, positive, negative):
        if negative is None:
            raise CselabError(
                "triplet needs a hard negative per anchor, but negative is None; "
                "use data with a negative column (anchor, positive, negative)"
            )
        loss = triplet_loss(
            anchor,
            positive,
            negative,
            margin=self.margin,
            distance=self.distance,
            normalize=self.normalize,
        )
        with torch.no_grad():
            d_pos = pairwise_distance(anchor, positive, self.distance, self.normalize)
            d_neg = pairwise_distance(anchor, negative, self.distance, self.normalize)
            active = (d_pos - d_neg + self.margin > 0).to(d_pos.dtype).mean()
        return loss, {
            "positive_distance": d_pos.mean(),
            "negative_distance": d_neg.mean(),
            "active": active,
        }

    def gathered_loss_and_parts(self, anchor, positive, negative, gather):
        """Its own rows: the mean over processes of per-example means is the whole mean."""
        return self.loss_and_parts(anchor, positive, negative)
