"""Singular spectrum, effective rank and partition-function isotropy of one layer.

- Singular values σ_k of the centred data matrix: √ of the eigenvalues of the running
  centred scatter Σ_t (x_t − μ)(x_t − μ)ᵀ (:mod:`cselab.geometry.covariance`).
- ``effective_rank`` (Roy & Vetterli 2007): exp(H(p)), p_k = σ_k / Σ_j σ_j,
  H(p) = −Σ p_k log p_k; between 1 (rank one) and d (flat spectrum).
- ``top1_variance_share``: σ_1² / Σ σ_k², the share of variance on the first principal axis.
- ``partition_isotropy`` (Mu & Viswanath 2018, "All-but-the-Top"): I = min_c Z(c) / max_c Z(c)
  with Z(c) = Σ_w exp(cᵀw) over the raw vectors w, c over the unit eigenvectors of WᵀW
  (``partition_basis="second_moment"``, the paper's choice) or of the covariance
  (``"covariance"``), taking both signs ±c (an eigenvector's sign is arbitrary); computed in
  log space. On a seeded reservoir sample of ``partition_samples`` tokens (exact when the
  layer has no more tokens than that). 1 = isotropic, → 0 = a dominant direction.
"""

from __future__ import annotations

import math

import torch

from cselab.errors import CselabError
from cselab.geometry.base import TokenBatch
from cselab.geometry.covariance import RunningCovariance, centred_scatter, scatter_eigenvalues
from cselab.geometry.sampling import SampledMetric
from cselab.geometry.validation import as_token_batch, checked_embeddings, require_tokens

NAME = "spectrum"
BASES = ("second_moment", "covariance")


def spectrum_summary(singular_values: torch.Tensor) -> dict[str, float]:
    """``effective_rank`` and ``top1_variance_share`` from singular values (descending)."""
    total = float(singular_values.sum())
    if total == 0:
        raise CselabError(f"{NAME}: all points are identical (zero spectrum)")
    p = singular_values[singular_values > 0] / total  # (r,)
    variances = singular_values**2
    return {
        "effective_rank": math.exp(float(-(p * p.log()).sum())),
        "top1_variance_share": float(variances[0] / variances.sum()),
    }


def singular_spectrum(x: torch.Tensor) -> torch.Tensor:
    """(d,) singular values of the centred rows of x (n, d), descending."""
    x = checked_embeddings(as_token_batch(x), NAME)
    require_tokens(len(x), NAME, needed=2)
    return scatter_eigenvalues(centred_scatter(x), len(x)).sqrt()


def partition_isotropy(
    x: torch.Tensor, basis: str = "second_moment", precision: torch.dtype = torch.float64
) -> float:
    """min_c Z(c) / max_c Z(c) over c = ± eigenvectors (Mu & Viswanath 2018), x (n, d); the
    (d, d) matrix, its eigenvectors, the projections and their log-sum-exp in ``precision``
    (float32 for a float32 model's rows)."""
    if basis not in BASES:
        raise CselabError(f"{NAME}: partition_basis={basis!r}; choose one of {BASES}")
    x = checked_embeddings(as_token_batch(x), NAME)
    require_tokens(len(x), NAME, needed=2)
    rows = x.to(precision)  # (n, d)
    matrix = rows.T @ rows if basis == "second_moment" else centred_scatter(rows)  # (d, d)
    vectors = torch.linalg.eigh(matrix).eigenvectors  # (d, d) columns
    projections = rows @ vectors  # (n, d): cᵀw for every c, w
    log_z = torch.cat(  # (2d,) log Z(c) for c = +v and c = −v
        [torch.logsumexp(projections, dim=0), torch.logsumexp(projections.neg_(), dim=0)]
    )
    return math.exp(float(log_z.min() - log_z.max()))


class Spectrum(SampledMetric):
    """Streaming spectrum (running covariance) + partition isotropy on a reservoir sample.

    ``covariance`` may be shared with :class:`~cselab.geometry.isoscore.IsoScore`.
    """

    name = NAME

    def __init__(
        self,
        partition_samples: int = 2000,
        partition_basis: str = "second_moment",
        seed: int = 0,
        covariance: RunningCovariance | None = None,
    ) -> None:
        if partition_basis not in BASES:
            raise CselabError(f"{NAME}: partition_basis={partition_basis!r}; choose one of {BASES}")
        super().__init__(partition_samples, seed)
        self.partition_basis = partition_basis
        self.cov = covariance or RunningCovariance()
        self.reset()

    @property
    def partition_samples(self) -> int:
        return self.n_samples

    def reset(self) -> None:
        self.cov.reset()
        super().reset()

    def update(self, batch: TokenBatch) -> None:
        x = checked_embeddings(batch, NAME, self.cov.dim)  # (n, d)
        if len(x):
            self.cov.add_batch(batch, NAME)
            super().update(batch)

    def singular_values(self) -> torch.Tensor:
        """(d,) singular values of the centred token matrix, descending."""
        require_tokens(self.cov.n, NAME, needed=2)
        return self.cov.eigenvalues().sqrt()

    def compute(self) -> dict[str, float]:
        out = spectrum_summary(self.singular_values())
        rows, precision = self.sample_rows()
        out["partition_isotropy"] = partition_isotropy(rows, self.partition_basis, precision)
        return out
