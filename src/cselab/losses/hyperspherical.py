"""MHE and MHS, the hyperspherical forms of alignment & uniformity in Li et al. (2024),
with the optional knobs of :mod:`cselab.losses.knobs` (from the authors' code).

On unit views u, u' (N, d), a_i = ‖u_i − u'_i‖² = 2 − 2 u_i·u'_i:
- MHE: U(u) = log Σ_{i>j} exp(u_i·u_j [/τ with w_w]),
  L = λ (U(u) + U(u')) + Σ_i (ω_i + ω'_i) a_i / 2 [· r with w_r],
  ω_i = 1/N, or with w_w ω_i = exp(LSE_{j≠i}(u_i·u_j/τ) − U(u))/τ (detached).
- MHS: δ_ij = sqrt(‖u_i − sg(u'_j)‖² + 1e-4), V(u) = −mean_i min_{j≠i} δ_ij,
  L = λ (V(u) + V(u')) + mean_i a_i (ω_i + ω'_i)/2 [· r], ω_i = 1, or with w_r
  ω_i = 1/min_{j≠i} δ_ij (detached).
``w_gd`` detaches anchors that are already far from every other sample of their view.
Originals: ``mhe`` (λ = 10), ``mhs`` (λ = 1); modified: ``mhe_mod``, ``mhs_mod`` (λ = 1,
r = 1.75, m = 0.30, τ = 0.05, knobs on).
"""

from __future__ import annotations

from typing import ClassVar

import torch

from cselab.losses.knobs import KnobbedLoss, off_diagonal


class MHE(KnobbedLoss):
    """Alignment + log-sum-exp uniformity (the authors' "MHE"); knobs w_gd, w_w, w_r."""

    name: ClassVar[str] = "mhe"
    repulsion_name: ClassVar[str] = "uniformity"

    def __init__(
        self,
        *,
        lam: float = 10.0,
        w_gd: bool = False,
        w_w: bool = False,
        w_r: bool = False,
        margin: float = 0.30,
        temperature: float = 0.05,
        ratio: float = 1.75,
    ) -> None:
        super().__init__(lam=lam, w_gd=w_gd, w_w=w_w, w_r=w_r, margin=margin,
                         temperature=temperature, ratio=ratio)  # fmt: skip

    def _repulsion(self, u, v) -> tuple[torch.Tensor, torch.Tensor]:
        """(U(u), ω (N,)) of view ``u``; the other view ``v`` is not used."""
        k = self.knobs
        n = u.shape[0]
        sims = u @ u.T / (k.temperature if k.w_w else 1.0)  # (N, N)
        lower = torch.tril(torch.ones(n, n, dtype=torch.bool, device=u.device), diagonal=-1)
        uniform = torch.logsumexp(sims[lower], dim=0)
        if not k.w_w:
            return uniform, torch.full((n,), 1.0 / n, dtype=u.dtype, device=u.device)
        rows = sims.detach().masked_fill(~off_diagonal(n, u.device), -torch.inf)
        weight = (torch.logsumexp(rows, dim=1) - uniform.detach()).exp() / k.temperature
        return uniform, weight

    def _total_alignment(self, weighted: torch.Tensor) -> torch.Tensor:
        """Σ_i of the weighted alignment terms (N,)."""
        return weighted.sum()

    def loss_and_parts(self, anchor, positive, negative):
        u, v = self._unit_views(anchor, positive, negative)
        align = 2 - 2 * (u * v).sum(dim=1)  # (N,)
        repulsion_u, weight_u = self._repulsion(u, v)
        repulsion_v, weight_v = self._repulsion(v, u)
        scale = self.knobs.ratio if self.knobs.w_r else 1.0
        alignment = scale * self._total_alignment(align * (weight_u + weight_v) / 2)
        repulsion = repulsion_u + repulsion_v
        loss = self.knobs.lam * repulsion + alignment
        return loss, {"alignment": alignment, self.repulsion_name: repulsion}


class MHEModified(MHE):
    """MHE with the three knobs on (Li et al.'s modified MHE)."""

    name: ClassVar[str] = "mhe_mod"

    def __init__(self, *, lam=1.0, w_gd=True, w_w=True, w_r=True, margin=0.30,
                 temperature=0.05, ratio=1.75) -> None:  # fmt: skip
        super().__init__(lam=lam, w_gd=w_gd, w_w=w_w, w_r=w_r, margin=margin,
                         temperature=temperature, ratio=ratio)  # fmt: skip


class MHS(MHE):
    """Maximum hyperspherical separation: push each sample from its nearest other-view sample."""

    name: ClassVar[str] = "mhs"
    repulsion_name: ClassVar[str] = "separation"

    def __init__(self, *, lam=1.0, w_gd=False, w_r=False, margin=0.30, ratio=1.75) -> None:
        super().__init__(lam=lam, w_gd=w_gd, w_w=False, w_r=w_r, margin=margin, ratio=ratio)

    def _repulsion(self, u, v):
        """(V(u), ω (N,)): −mean_i min_{j≠i} δ_ij from view ``u`` to the detached view ``v``."""
        n = u.shape[0]
        dist = (u[:, None] - v.detach()[None]).pow(2).sum(dim=-1).add(1e-4).sqrt()  # (N, N)
        nearest = dist.masked_fill(~off_diagonal(n, u.device), torch.inf).amin(dim=1)  # (N,)
        weight = 1.0 / nearest.detach() if self.knobs.w_r else torch.ones_like(nearest)
        return -nearest.mean(), weight

    def _total_alignment(self, weighted):
        """mean_i of the weighted alignment terms (N,)."""
        return weighted.mean()


class MHSModified(MHS):
    """MHS with w_gd and w_r on (Li et al.'s modified MHS)."""

    name: ClassVar[str] = "mhs_mod"

    def __init__(self, *, lam=1.0, w_gd=True, w_r=True, margin=0.30, ratio=1.75) -> None:
        super().__init__(lam=lam, w_gd=w_gd, w_r=w_r, margin=margin, ratio=ratio)
