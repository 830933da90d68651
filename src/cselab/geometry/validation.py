"""Input checks shared by the plain-function twins of the metrics and their computes.

They turn vectors (numpy or torch) into checked float64 tensors and raise
:class:`CselabError` naming the metric and the offending input (shape, NaN, zero vector,
split sentence, no tokens). The pipeline checks its batches once per view instead
(:meth:`cselab.geometry.batch.ViewBatch.check`).
"""

from __future__ import annotations

import torch

from cselab.arrays import as_tensor
from cselab.errors import CselabError
from cselab.geometry.batch import sentence_runs, unit_rows


class MetricUndefined(CselabError):
    """The metric has no value on this input (e.g. no token type reaches ``min_count``);
    the geometry pipeline skips it with a warning instead of stopping the run."""


def checked_vectors(x, metric: str, **ids) -> torch.Tensor:
    """x (n, d) (tensor or numpy) as float64 after shape and finiteness checks; every
    keyword (``token_ids=...``) must have one entry per row."""
    x = as_tensor(x)
    if x.dim() != 2:
        raise CselabError(f"{metric}: embeddings must be (n_tokens, d), got shape {tuple(x.shape)}")
    for name, other in ids.items():
        if other is not None and tuple(as_tensor(other).shape) != (x.shape[0],):
            raise CselabError(
                f"{metric}: {name} of shape {tuple(as_tensor(other).shape)} does not match "
                f"embeddings of shape {tuple(x.shape)}"
            )
    x = x.detach().to(torch.float64)  # (n, d)
    if not bool(torch.isfinite(x.sum())):  # NaN/inf propagate to the float64 sum
        bad = int((~torch.isfinite(x)).any(dim=1).sum())
        raise CselabError(
            f"{metric}: embeddings of shape {tuple(x.shape)} contain NaN or inf ({bad} tokens)"
        )
    return x


def require_tokens(n: int, metric: str, needed: int = 1, what: str = "tokens") -> None:
    """Raise ``no tokens ...`` before computing on an empty stream; too few (e.g. one
    sentence for a mean over pairs of sentences) is :class:`MetricUndefined`, which the
    pipeline skips with a warning while the other metrics are measured."""
    if n == 0:
        raise CselabError(f"{metric}: no {what} were given (empty input); nothing to compute")
    if n < needed:
        raise MetricUndefined(f"{metric}: needs at least {needed} {what}, got {n}")


__all__ = [
    "MetricUndefined",
    "checked_vectors",
    "require_tokens",
    "sentence_runs",
    "unit_rows",
]
