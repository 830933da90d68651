"""Mean L2 norm of token embeddings (Xiao et al. 2023, section 4 and Fig. 5: norm and
isotropy move together during contrastive training): (1/n) Σ_t ‖x_t‖₂."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cselab.geometry.protocols import Protocol
from cselab.geometry.spec import MetricSpec, Output
from cselab.geometry.validation import checked_vectors, require_tokens

NAME = "l2_norm"


def mean_norm(x) -> float:
    """All-at-once twin: mean L2 norm of the rows of x (n, d)."""
    x = checked_vectors(x, NAME)
    require_tokens(len(x), NAME)
    return float(x.norm(dim=1).mean())


def compute(stats: Mapping[str, Any], protocol: Protocol) -> dict[str, float]:
    moments = stats["moments"]
    require_tokens(moments.n, NAME)
    return {"l2_norm": moments.norm_sum / moments.n}


SPEC = MetricSpec(
    name=NAME,
    statistics=("moments",),
    compute=compute,
    summary="mean L2 norm of the vectors",
    outputs=(Output("l2_norm", "mean L2 norm", "norms", "Xiao et al. 2023, Fig. 5"),),
)
