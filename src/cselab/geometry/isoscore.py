"""IsoScore (Rudman, Gillman, Rayne & Eickhoff 2022, "IsoScore: Measuring the Uniformity
of Embedding Space Utilization", Algorithm 1), computed from the running scatter.

1. PCA-reorient the points: the variance along each principal axis is an eigenvalue λ of
   the covariance matrix (all d of them, zeros included).
2. Normalise the variance vector: Σ̂ = √d · λ / ‖λ‖.
3. Isotropy defect: δ = ‖Σ̂ − 1_d‖ / √(2(d − √d)).
4. Fraction of dimensions used: φ = (d − δ²(d − √d))² / d².
5. IsoScore ι = (d·φ − 1) / (d − 1) ∈ [0, 1]: 1 for isotropic data, 0 for data on a line.

The scale of the covariance (n or n−1) cancels in step 2.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch

from cselab.errors import CselabError
from cselab.geometry.protocols import Protocol
from cselab.geometry.spec import MetricSpec, Output
from cselab.geometry.statistics.scatter import centred_scatter
from cselab.geometry.threads import threads_for_geometry
from cselab.geometry.validation import checked_vectors, require_tokens

NAME = "isoscore"


def isoscore_from_variances(variances: torch.Tensor) -> float:
    """IsoScore from the (d,) principal variances (eigenvalues of the covariance)."""
    d = len(variances)
    if d < 2:
        raise CselabError(f"{NAME}: needs dimension d >= 2, got d={d}")
    norm = float(variances.norm())
    if norm == 0:
        raise CselabError(f"{NAME}: all points are identical (zero variance in {d} dimensions)")
    normalised = math.sqrt(d) * variances / norm  # (d,)
    defect = float((normalised - 1).norm()) / math.sqrt(2 * (d - math.sqrt(d)))
    used = (d - defect**2 * (d - math.sqrt(d))) ** 2 / d**2
    return (d * used - 1) / (d - 1)


def isoscore(x: torch.Tensor) -> float:
    """All-at-once twin: IsoScore of the rows of x (n, d)."""
    x = checked_vectors(x, NAME)
    require_tokens(len(x), NAME, needed=2)
    with threads_for_geometry():
        eig = torch.linalg.eigvalsh(centred_scatter(x)).clamp_min(0.0)  # (d,)
    return isoscore_from_variances(eig)


def compute(stats: Mapping[str, Any], protocol: Protocol) -> dict[str, float]:
    scatter = stats["scatter"]
    require_tokens(scatter.n, NAME, needed=2)
    return {"isoscore": isoscore_from_variances(scatter.eigenvalues)}


SPEC = MetricSpec(
    name=NAME,
    statistics=("scatter",),
    compute=compute,
    summary="IsoScore (Rudman et al. 2022): how evenly the principal variances are spread",
    outputs=(Output("isoscore", "IsoScore", "isotropy", "Rudman et al. 2022"),),
)
