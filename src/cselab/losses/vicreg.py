"""VICReg (Bardes, Ponce, LeCun 2022, ICLR), the authors' reference formula.

For two views Z, Z' (N, d):
    invariance  s(Z, Z') = (1/(N d)) Σ ‖z_i − z'_i‖²               (F.mse_loss)
    variance    v(Z) = (1/d) Σ_k relu(γ − sqrt(Var(z_·k) + ε)),   γ = 1, ε = 1e-4, unbiased Var
    covariance  c(Z) = (1/d) Σ_{k≠l} C(Z)_kl²,  C(Z) = (Z − Z̄)ᵀ(Z − Z̄)/(N − 1)
    L = λ s + μ (v(Z) + v(Z'))/2 + ν (c(Z) + c(Z')),   λ = μ = 25, ν = 1.
(The averaged variance term follows the reference code, ``std_loss = mean/2 + mean/2``.)
Li et al.'s modified form is ``vicreg_mod``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from cselab.losses.base import TwoViewLoss
from cselab.losses.validation import (
    check_non_negative_number,
    check_positive_number,
    check_views,
    reject_negative,
)


def variance_term(z: torch.Tensor, gamma: float = 1.0, eps: float = 1e-4) -> torch.Tensor:
    """mean_k relu(γ − sqrt(Var_k + ε)) with the unbiased variance: (N, d) -> scalar."""
    return F.relu(gamma - torch.sqrt(z.var(dim=0) + eps)).mean()


def covariance_term(z: torch.Tensor) -> torch.Tensor:
    """Σ_{k≠l} C_kl² / d with C the unbiased covariance: (N, d) -> scalar."""
    centred = z - z.mean(dim=0, keepdim=True)
    cov = centred.T @ centred / (z.shape[0] - 1)  # (d, d)
    return (cov.pow(2).sum() - torch.diagonal(cov).pow(2).sum()) / z.shape[1]


class VICReg(TwoViewLoss):
    """VICReg on the (B, d) embeddings of two views (no hard negatives; B ≥ 2)."""

    def __init__(
        self,
        *,
        invariance_weight: float = 25.0,
        variance_weight: float = 25.0,
        covariance_weight: float = 1.0,
        gamma: float = 1.0,
        eps: float = 1e-4,
    ) -> None:
        super().__init__()
        self.invariance_weight = check_non_negative_number("invariance_weight", invariance_weight)
        self.variance_weight = check_non_negative_number("variance_weight", variance_weight)
        self.covariance_weight = check_non_negative_number("covariance_weight", covariance_weight)
        self.gamma = check_positive_number("gamma", gamma)
        self.eps = check_positive_number("eps", eps)

    def loss_and_parts(self, anchor, positive, negative):
        reject_negative("vicreg", negative)
        check_views(anchor, positive, min_rows=2)
        invariance = F.mse_loss(anchor, positive)
        variance = 0.5 * (
            variance_term(anchor, self.gamma, self.eps)
            + variance_term(positive, self.gamma, self.eps)
        )
        covariance = covariance_term(anchor) + covariance_term(positive)
        loss = (
            self.invariance_weight * invariance
            + self.variance_weight * variance
            + self.covariance_weight * covariance
        )
        return loss, {"invariance": invariance, "variance": variance, "covariance": covariance}
