"""Informativity of the dominant dimensions (Xiao et al. 2023, appendix C, Table 3).

On a sample of token vectors, compare the cosine matrix before and after removing the
top-k dimensions from every vector: r² of the Pearson correlation between the
off-diagonal lower triangles of the two matrices. r² ≈ 1 means the removed dimensions
carried little of the relative similarity structure.

Ranking: by default dimensions are sorted by their contribution cosᵢ = E_{u≠v}[ûᵢv̂ᵢ]
on the same sample (off-diagonal pairs, as in :mod:`cselab.geometry.dimensions`),
descending. ``dimension_scores`` (d,) replaces that ranking; the ``xiao2023`` protocol
passes the self-similarity dimension shares of the layer (the paper's Table 1), which
reproduces the paper's Table 3 (see docs/geometry.md). Removing a set R of dimensions from unit
vectors leaves dot products ⟨û,v̂⟩ − Σ_{i∈R} ûᵢv̂ᵢ and squared norms 1 − Σ_{i∈R} ûᵢ², so
all k are computed with rank-Δk updates of one Gram matrix.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from cselab.arrays import as_tensor
from cselab.errors import CselabError
from cselab.geometry.dimensions import dimension_contributions
from cselab.geometry.protocols import DEFAULT_KS, Protocol
from cselab.geometry.spec import MetricSpec, Output
from cselab.geometry.threads import threads_for_products
from cselab.geometry.validation import MetricUndefined, checked_vectors, require_tokens, unit_rows

NAME = "informativity"


def _centred_offdiagonal(matrix: torch.Tensor) -> torch.Tensor:
    """In place: a symmetric (n, n) matrix minus the mean of its off-diagonal entries, with a
    zero diagonal, so sums over the whole matrix are sums over the off-diagonal pairs."""
    n = len(matrix)
    mean = (matrix.sum() - matrix.diagonal().sum()) / (n * (n - 1))
    return matrix.fill_diagonal_(0.0).sub_(mean).fill_diagonal_(0.0)


def _pearson_r2(
    before: torch.Tensor, sum_aa: float, gram: torch.Tensor, buffer: torch.Tensor
) -> float:
    """r² of the off-diagonal entries a of ``before`` (centred, zero diagonal: see
    :func:`_centred_offdiagonal`; Σ a² = ``sum_aa``) and the cosines b_ij = g_ij s_i s_j of
    the Gram matrix g (s = diag(g)^−½). Over the m = n(n−1) off-diagonal entries (each pair
    counted twice, which leaves r unchanged), with b shifted by c ≈ its mean so that its
    variance does not cancel: cov = Σ a(b − c) / m (as Σ a = 0) and
    var_b = (Σ (b − c)² − (Σ (b − c))²/m) / m. ``buffer`` (n, n) is scratch space."""
    n = len(gram)
    m = n * (n - 1)
    s = gram.diagonal().rsqrt()  # (n,)
    b = torch.mul(gram, s[:, None], out=buffer).mul_(s[None, :]).fill_diagonal_(0.0)
    shift = float(b.sum()) / m  # the mean off-diagonal cosine (a pairwise sum)
    b.sub_(shift).fill_diagonal_(0.0)  # (n, n) b − c, zero diagonal
    flat = b.flatten()
    sum_b = float(flat.sum())  # ≈ 0
    sum_bb = float(torch.dot(flat, flat))
    sum_ab = float(torch.dot(before.flatten(), flat))
    variance_b = sum_bb - sum_b * sum_b / m
    if sum_aa <= 0.0 or variance_b <= 0.0:
        raise MetricUndefined(
            f"{NAME}: every pair of the {n} sampled tokens has the same cosine (repeated "
            "vectors?): r² is undefined"
        )
    return sum_ab * sum_ab / (sum_aa * variance_b)


def informativity(
    x: torch.Tensor,
    ks: Sequence[int] = DEFAULT_KS,
    dimension_scores: torch.Tensor | None = None,
    precision: torch.dtype = torch.float64,
) -> dict[str, float]:
    """``{"informativity_r2_k{k}": r²}`` for every k < d, on all rows of x (n, d); the top
    dimensions are those with the largest ``dimension_scores`` (d,) (default: the sample's
    off-diagonal cosine contributions). The (n, n) matrices are kept in ``precision``
    (float32 for a float32 model's vectors), and so are the sums behind r² (pairwise sums,
    over values centred first)."""
    if any(int(k) != k or k < 0 for k in ks):
        raise CselabError(f"{NAME}: ks={tuple(ks)} must be integers >= 0")
    x = checked_vectors(x, NAME)
    require_tokens(len(x), NAME, needed=3)
    units = unit_rows(x, NAME)  # (n, d)
    n, d = units.shape
    if dimension_scores is not None and dimension_scores.shape != (d,):
        raise CselabError(
            f"{NAME}: dimension_scores of shape {tuple(dimension_scores.shape)} for "
            f"vectors of dimension {d}"
        )
    if dimension_scores is not None:
        dimension_scores = as_tensor(dimension_scores)
    scores = dimension_contributions(units) if dimension_scores is None else dimension_scores
    order = torch.argsort(scores.to(units.device), descending=True)  # (d,)
    units = units.to(precision)
    tiny = max(1e-12, 100 * torch.finfo(precision).eps)  # a vanished remaining norm
    with threads_for_products():
        gram = units @ units.T  # (n, n), updated in place below
    centred = _centred_offdiagonal(gram.to(torch.float64, copy=True))  # (n, n) float64
    sum_aa = float(torch.dot(centred.flatten(), centred.flatten()))
    before = centred.to(precision)  # (n, n)
    buffer = torch.empty_like(gram)  # (n, n) scratch
    out: dict[str, float] = {}
    removed = 0
    for k in sorted({int(k) for k in ks if k < d}):
        part = units[:, order[removed:k]]  # (n, k - removed)
        gram.addmm_(part, part.T, alpha=-1)  # (n, n) Gram without the top k
        removed = k
        if bool((gram.diagonal() <= tiny).any()):
            raise CselabError(
                f"{NAME}: removing the top {k} dimensions leaves a zero vector "
                f"(sample of shape {(n, d)})"
            )
        out[f"informativity_r2_k{k}"] = _pearson_r2(before, sum_aa, gram, buffer)
    return out


def ranking_statistics(protocol: Protocol) -> tuple[str, ...]:
    """Token-level informativity ranks by self-similarity shares under ``xiao2023``."""
    return ("type_sums",) if protocol.informativity_ranking == "self_similarity" else ()


def compute(stats: Mapping[str, Any], protocol: Protocol) -> dict[str, float]:
    sample = stats["token_sample"]
    require_tokens(0 if sample.rows is None else len(sample.rows), NAME, needed=3)
    scores = None
    if "type_sums" in stats and protocol.informativity_ranking == "self_similarity":
        from cselab.geometry.self_similarity import dimension_shares

        try:
            scores = dimension_shares(stats["type_sums"], protocol)
        except MetricUndefined as error:
            warnings.warn(f"informativity ranked by its sample: {error}", stacklevel=2)
    rows = sample.rows[: sample_rows(protocol)]
    return informativity(rows, protocol.informativity_ks, scores, sample.precision)


def sample_rows(protocol: Protocol) -> int:
    return protocol.sample_size or 1000


SPEC = MetricSpec(
    name=NAME,
    statistics=("token_sample",),
    compute=compute,
    sample_rows=sample_rows,
    extra_statistics=ranking_statistics,
    knobs=("sample_size", "seed", "informativity_ks", "informativity_ranking"),
    summary="r² of the cosine matrix of a token sample before/after removing the top-k dimensions",
    outputs=(
        Output("informativity_r2_k{k}", "r² after removing the top {k} dimensions",
               "informativity", "Xiao et al. 2023, Table 3", table_row=True),
    ),
)  # fmt: skip
