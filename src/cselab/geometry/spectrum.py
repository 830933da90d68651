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
from collections.abc import Mapping
from typing import Any

import torch

from cselab.errors import CselabError
from cselab.geometry.protocols import PARTITION_BASES as BASES, Protocol
from cselab.geometry.spec import MetricSpec, Output
from cselab.geometry.statistics.scatter import centred_scatter, scatter_eigenvalues
from cselab.geometry.threads import threads_for_geometry, threads_for_products
from cselab.geometry.validation import checked_vectors, require_tokens

NAME = "spectrum"


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
    x = checked_vectors(x, NAME)
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
    x = checked_vectors(x, NAME)
    require_tokens(len(x), NAME, needed=2)
    rows = x.to(precision)  # (n, d)
    with threads_for_products():
        matrix = rows.T @ rows if basis == "second_moment" else centred_scatter(rows)  # (d, d)
    with threads_for_geometry():
        vectors = torch.linalg.eigh(matrix).eigenvectors  # (d, d) columns
    with threads_for_products():
        projections = rows @ vectors  # (n, d): cᵀw for every c, w
    log_z = torch.cat(  # (2d,) log Z(c) for c = +v and c = −v
        [torch.logsumexp(projections, dim=0), torch.logsumexp(projections.neg_(), dim=0)]
    )
    return math.exp(float(log_z.min() - log_z.max()))


def sample_rows(protocol: Protocol) -> int:
    return protocol.sample_size or 2000


def compute(stats: Mapping[str, Any], protocol: Protocol) -> dict[str, float]:
    scatter, sample = stats["scatter"], stats["token_sample"]
    require_tokens(scatter.n, NAME, needed=2)
    out = spectrum_summary(scatter.eigenvalues.sqrt())
    rows = sample.rows[: sample_rows(protocol)]
    out["partition_isotropy"] = partition_isotropy(rows, protocol.partition_basis, sample.precision)
    return out


SPEC = MetricSpec(
    name=NAME,
    statistics=("scatter", "token_sample"),
    compute=compute,
    sample_rows=sample_rows,
    knobs=("sample_size", "seed", "partition_basis"),
    summary="singular spectrum: effective rank, top-1 variance share, partition isotropy",
    outputs=(
        Output("effective_rank", "effective rank (Roy & Vetterli 2007)", "spectrum"),
        Output("top1_variance_share", "variance share of the first principal axis", "spectrum"),
        Output("partition_isotropy", "partition-function isotropy (Mu & Viswanath 2018)",
               "isotropy"),
    ),
)  # fmt: skip
