"""Candidate sets, and the base of the losses that score each anchor against them.

For anchor i the candidates are the batch's positives, then its hard negatives when given,
C = cat(P (B, d), N (B, d)); label y_i = i points at anchor i's own positive. Such a loss is
a mean over anchors of a term of (anchor i, C), so under W processes each one scores its
own B anchors against the candidates of every process,
C = cat(P_0 … P_{W−1}, N_0 … N_{W−1}) with y_i = rank·B + i — all positives first, so a
label never points at a hard negative — and the mean of the W values is the one-process
loss of all W·B anchors (gradients: ``cselab.training.distributed``).
"""

from __future__ import annotations

from typing import ClassVar

import torch

from cselab.losses.base import Gather, Loss, Parts
from cselab.losses.validation import check_views


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


def gathered_candidates(
    positive: torch.Tensor, negative: torch.Tensor | None, gather: Gather
) -> tuple[torch.Tensor, torch.Tensor]:
    """Every process's candidates cat(P_all (W·B, d)[, N_all (W·B, d)]) and this process's
    labels (B,) = rank·B + arange(B)."""
    candidates = gather(positive)
    if negative is not None:
        candidates = torch.cat([candidates, gather(negative)])
    rows = positive.shape[0]
    return candidates, candidate_labels(rows, gather.rank * rows, positive.device)


class CandidateLoss(Loss):
    """A mean over anchors of a term of (anchor, candidates); hard negatives optional.

    Subclasses implement :meth:`from_candidates`; ``anchors_are_candidates`` losses (a
    backward direction positive → anchors) also receive every process's anchors.
    """

    in_batch: ClassVar[bool] = True
    gatherable: ClassVar[bool] = True
    columns: ClassVar[tuple[str, ...]] = ("anchor", "positive")
    optional_columns: ClassVar[tuple[str, ...]] = ("negative",)
    target_network: ClassVar[bool] = False
    anchors_are_candidates: ClassVar[bool] = False
    #: rows a batch needs even with hard negatives (2 when anchors are candidates too)
    min_rows_with_negative: ClassVar[int] = 1

    def from_candidates(
        self,
        anchor: torch.Tensor,
        positive: torch.Tensor,
        candidates: torch.Tensor,
        labels: torch.Tensor,
        all_anchors: torch.Tensor | None,
    ) -> tuple[torch.Tensor, Parts]:
        """anchor, positive (B, d); candidates (M, d); labels (B,); all_anchors (N, d) or None."""
        raise NotImplementedError

    def loss_and_parts(self, anchor, positive, negative):
        min_rows = 2 if negative is None else self.min_rows_with_negative
        check_views(anchor, positive, negative, min_rows=min_rows)
        candidates, labels = build_candidates(positive, negative)
        all_anchors = anchor if self.anchors_are_candidates else None
        return self.from_candidates(anchor, positive, candidates, labels, all_anchors)

    def gathered_loss_and_parts(self, anchor, positive, negative, gather):
        check_views(anchor, positive, negative)
        candidates, labels = gathered_candidates(positive, negative, gather)
        all_anchors = gather(anchor) if self.anchors_are_candidates else None
        return self.from_candidates(anchor, positive, candidates, labels, all_anchors)
