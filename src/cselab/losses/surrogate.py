"""The "sg" empirical surrogate of Li et al. (2024): the three gradient parts as knobs.

One direction, anchors h_i against detached unit candidates h'_j (positive y_i):

    L_dir = (1/B) Σ_i D_i Σ_{j≠y_i} W_ij (s_ij − r · s_{i,y_i}),

D_i = 1[s_{i,y_i} − max_{j≠y_i} s_ij < m] (gradient dissipation, computed without
gradient), W_i· = softmax_{j≠y_i}(s_ij/τ) detached (or, with ``power=p``, max(s_ij, 1e-4)^p
normalised over the negatives; p = 0 gives uniform weights), r the ratio. The loss is the
mean of both directions, each with the other view detached, so −∂L/∂h_i is exactly
(1/(2B)) D_i Σ_j W_ij (r h'_{y_i} − h'_j) (the paper's formula). Defaults m = 0.30, r = 1,
τ = 0.05.

``authors_compat=True`` is the surrogate as the authors' code (BDBC-KG-NLP/UnderstandingCSE)
computes it: the positive term s_{i,y_i} is *not* detached (it pulls both views), each
direction is the mean over the M entries of its n masked rows, (1/(n·M)) Σ_{i: D_i} Σ_j
W_ij (s_ij − r s_{i,y_i}), and the two directions are *summed*. Since anchor i is also the
positive of row i of the other direction, it is pulled from both: for a masked anchor the
effective ratio is r (1 + D'_i · n M / (n' B)), D'_i and n' the other direction's mask and
count (its candidates are the B anchors); without hard negatives (M = B) r (1 + D'_i n/n'),
2r when every row is masked. An empty
mask, where the authors' mean is NaN, gives 0 here. Its power weights take an integer
``power`` (the authors' code truncates it). Its mean over masked rows is not a mean over
anchors, so under several processes the compat module computes the whole batch on every
process (the default gathered form) instead of scoring each process's own anchors.
"""

from __future__ import annotations

import math

import torch

from cselab.errors import CselabError
from cselab.losses.base import Loss
from cselab.losses.candidates import CandidateLoss
from cselab.losses.scores import fill_positive, negative_mask, positive_scores
from cselab.losses.validation import (
    check_candidates,
    check_non_negative_number,
    check_positive_number,
)
from cselab.similarity import cosine


def surrogate_mask(scores: torch.Tensor, labels: torch.Tensor, margin: float) -> torch.Tensor:
    """D (B,) bool: s_{i,y_i} − max_{j≠y_i} s_ij < m, without gradient."""
    scores = scores.detach()
    hardest = fill_positive(scores, labels, -math.inf).amax(dim=1)
    return positive_scores(scores, labels) - hardest < margin


def surrogate_weights(
    scores: torch.Tensor, labels: torch.Tensor, *, temperature: float, power: float | None
) -> torch.Tensor:
    """W (B, M), detached, 0 on the positive, rows summing to 1."""
    scores = scores.detach()
    if power is None:
        tau = check_positive_number("temperature", temperature)
        return torch.softmax(fill_positive(scores / tau, labels, -math.inf), dim=1)
    power = check_non_negative_number("power", power)
    raw = scores.clamp(min=1e-4).pow(power) * negative_mask(scores, labels)
    return raw / raw.sum(dim=1, keepdim=True)


def check_compat_power(power: float | None) -> None:
    """The authors' code raises the weights to ``int(power)``; refuse what it would truncate."""
    if power is not None and float(power) != int(power):
        raise CselabError(
            f"power={power!r}: with authors_compat=True the power must be an integer "
            "(the authors' code truncates it to int)"
        )


def sg_surrogate_loss(
    anchor: torch.Tensor,
    candidates: torch.Tensor,
    labels: torch.Tensor,
    *,
    margin: float = 0.30,
    ratio: float = 1.0,
    temperature: float = 0.05,
    power: float | None = None,
    authors_compat: bool = False,
) -> torch.Tensor:
    """One direction of the surrogate; candidates (M, d) are detached here. -> scalar.

    With ``authors_compat`` the positive term keeps its gradient to the candidate too and
    the value is the mean over the masked rows' entries (0 when no row is masked).
    """
    check_candidates(anchor, candidates, labels)
    margin = check_non_negative_number("margin", margin)
    ratio = check_non_negative_number("ratio", ratio)
    scores = cosine(anchor, candidates.detach())  # (B, M)
    weights = surrogate_weights(scores, labels, temperature=temperature, power=power)
    mask = surrogate_mask(scores, labels, margin)  # (B,)
    if not authors_compat:
        target = scores - ratio * positive_scores(scores, labels)[:, None]  # (B, M)
        return (mask.to(scores.dtype) * (weights * target).sum(dim=1)).mean()
    check_compat_power(power)
    attached_positive = torch.cosine_similarity(anchor, candidates[labels], dim=1)  # (B,)
    entries = weights * (scores - ratio * attached_positive[:, None])  # (B, M)
    if not bool(mask.any()):
        return entries.sum() * 0.0  # the authors' mean over no entries is NaN
    return entries[mask].mean()


class SGSurrogate(CandidateLoss):
    """The sg surrogate in both directions (anchor→candidates, positive→anchors);
    ``authors_compat=True``: as the authors' code runs it (see the module doc)."""

    anchors_are_candidates = True
    min_rows_with_negative = 2

    def __init__(
        self,
        *,
        margin: float = 0.30,
        ratio: float = 1.0,
        temperature: float = 0.05,
        power: float | None = None,
        authors_compat: bool = False,
    ) -> None:
        super().__init__()
        self.margin = check_non_negative_number("margin", margin)
        self.ratio = check_non_negative_number("ratio", ratio)
        self.temperature = check_positive_number("temperature", temperature)
        self.power = None if power is None else check_non_negative_number("power", power)
        self.authors_compat = bool(authors_compat)
        if self.authors_compat:
            check_compat_power(self.power)

    def _direction(self, anchor, candidates, labels) -> torch.Tensor:
        return sg_surrogate_loss(
            anchor,
            candidates,
            labels,
            margin=self.margin,
            ratio=self.ratio,
            temperature=self.temperature,
            power=self.power,
            authors_compat=self.authors_compat,
        )

    def from_candidates(self, anchor, positive, candidates, labels, all_anchors):
        forward = self._direction(anchor, candidates, labels)
        backward = self._direction(positive, all_anchors, labels)
        with torch.no_grad():
            scores = cosine(anchor, candidates)
            active = surrogate_mask(scores, labels, self.margin).to(scores.dtype).mean()
        combined = forward + backward if self.authors_compat else 0.5 * (forward + backward)
        return combined, {"active_share": active}

    def gathered_loss_and_parts(self, anchor, positive, negative, gather):
        """The paper form is a mean over anchors (each process scores its own); the compat
        form's mean over masked rows is not, so it computes the whole batch everywhere."""
        if self.authors_compat:
            return Loss.gathered_loss_and_parts(self, anchor, positive, negative, gather)
        return super().gathered_loss_and_parts(anchor, positive, negative, gather)
