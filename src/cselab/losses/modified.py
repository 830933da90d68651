"""Barlow Twins and VICReg in Li et al.'s (2024) sample-similarity form, with the knobs.

On unit views u, u' (N, d) the authors train gradient-equivalent forms of the two losses
(their code); one direction f(u, u'), the loss is f(u, u') + f(u', u):

    f(u, u') = Σ_i [ P_i + λ Σ_{j≠i} W_ij · u_i·sg(u_j) ]

(the authors also sum the diagonal j = i; on unit vectors u_i·sg(u_i) has zero gradient, so
dropping it changes the value by a constant and the gradient not at all).

- weights W (detached): with ``w_w`` W = e^{g_ij/τ} / Σ_{k≠l} e^{g_kl/τ}; without,
  W = 2 g_ij / N², where g = u'u'ᵀ for Barlow Twins (the other view's Gram matrix) and
  g = uuᵀ for VICReg (the own view's).
- alignment P_i: with ``w_r`` P_i = −λ r (Σ_{j≠i} W_ij) u_i·u'_i; without, for VICReg
  P_i = −(2/N) u_i·sg(u'_i) and for Barlow Twins P_i = −(2/N) Σ_k (1 − (1 − λ) C_kk)
  u_ik sg(u'_ik), C = sg(u)ᵀ sg(u') / N.
- ``w_gd`` detaches anchors already far from every other sample of their view (m).
Originals in this form: knobs off, λ = 30; modified (``*_mod`` defaults): knobs on, λ = 1,
r = 1.5, m = 0.30, τ = 0.05. (The literal losses are ``barlow_twins`` and ``vicreg``.)
"""

from __future__ import annotations

from typing import ClassVar

import torch

from cselab.losses.knobs import KnobbedLoss, off_diagonal


class _SampleSimilarityForm(KnobbedLoss):
    weights_from_other_view: ClassVar[bool] = False

    def __init__(self, *, lam=1.0, w_gd=True, w_w=True, w_r=True, margin=0.30,
                 temperature=0.05, ratio=1.5) -> None:  # fmt: skip
        super().__init__(lam=lam, w_gd=w_gd, w_w=w_w, w_r=w_r, margin=margin,
                         temperature=temperature, ratio=ratio)  # fmt: skip

    def _weights(self, gram: torch.Tensor) -> torch.Tensor:
        """W (N, N) from a detached Gram matrix."""
        n = gram.shape[0]
        if self.knobs.w_w:
            raw = (gram / self.knobs.temperature).exp()
            return raw / (raw * off_diagonal(n, gram.device)).sum()
        return 2 * gram / n**2

    def _plain_alignment(self, u, v) -> torch.Tensor:
        raise NotImplementedError

    def _direction(self, u, v) -> tuple[torch.Tensor, torch.Tensor]:
        """(Σ_i P_i, Σ_ij W_ij u_i·sg(u_j)) for one direction."""
        k = self.knobs
        source = v if self.weights_from_other_view else u
        weights = self._weights((source @ source.T).detach())  # (N, N)
        off = off_diagonal(u.shape[0], u.device)  # the diagonal u_i·sg(u_i) has zero gradient
        repulsion = (weights * off * (u @ u.detach().T)).sum()
        if k.w_r:
            row_weight = (weights * off).sum(dim=1)  # (N,)
            alignment = (-k.lam * k.ratio * row_weight * (u * v).sum(dim=1)).sum()
        else:
            alignment = self._plain_alignment(u, v)
        return alignment, repulsion

    def loss_and_parts(self, anchor, positive, negative):
        u, v = self._unit_views(anchor, positive, negative)
        align_uv, repel_uv = self._direction(u, v)
        align_vu, repel_vu = self._direction(v, u)
        alignment, repulsion = align_uv + align_vu, repel_uv + repel_vu
        loss = alignment + self.knobs.lam * repulsion
        return loss, {"alignment": alignment, "repulsion": repulsion}


class BarlowTwinsModified(_SampleSimilarityForm):
    """Barlow Twins, sample-similarity form (Li et al.); knobs on by default."""

    name: ClassVar[str] = "barlow_twins_mod"
    weights_from_other_view: ClassVar[bool] = True

    def _plain_alignment(self, u, v):
        n = u.shape[0]
        correlation = u.detach().T @ v.detach() / n  # (d, d)
        per_dim = (1 - (1 - self.knobs.lam) * torch.diagonal(correlation)) * 2 / n  # (d,)
        return (per_dim * -(u * v.detach())).sum()


class VICRegModified(_SampleSimilarityForm):
    """VICReg, sample-similarity form (Li et al.); knobs on by default."""

    name: ClassVar[str] = "vicreg_mod"

    def _plain_alignment(self, u, v):
        return (-(u * v.detach()).sum(dim=1) * 2 / u.shape[0]).sum()
