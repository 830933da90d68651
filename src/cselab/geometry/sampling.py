"""Seeded, batching-independent random choices for the sampled metrics.

Every random choice is a fixed pseudo-random number of (seed, stream, ids...) computed
with the splitmix64 hash (Steele et al. 2014), so a sample does not depend on how the
corpus was cut into batches or in which order batches arrive: streaming equals one-shot.

A uniform sample of ``k`` items without replacement is the ``k`` items with the smallest
keys (bottom-k / priority reservoir sampling): keys are i.i.d. uniform, so every subset
of size k is equally likely (:mod:`cselab.geometry.statistics.samples` keeps them).
"""

from __future__ import annotations

import numpy as np
import torch

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1

#: streams keep the choices of different purposes independent
STREAM_TOKEN_SAMPLE = 1
STREAM_SENTENCE_SAMPLE = 2
STREAM_TOKEN_IN_SENTENCE = 3


def _splitmix64(z: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on uint64 arrays (wrapping arithmetic)."""
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def uniform_keys(seed: int, stream: int, *ids: torch.Tensor) -> torch.Tensor:
    """(n,) float64 in [0, 1): one fixed uniform number per (seed, stream, ids[0][i], ...)."""
    n = len(ids[0])
    start = (int(seed) * 0x100000001B3 + int(stream)) & _MASK
    with np.errstate(over="ignore"):
        h = _splitmix64(np.full(n, start, dtype=np.uint64))
        for part in ids:
            values = part.detach().cpu().numpy().astype(np.int64).astype(np.uint64)
            h = _splitmix64(h ^ values)
    return torch.from_numpy((h >> np.uint64(11)).astype(np.float64) * 2.0**-53)


def working_dtype(source: torch.dtype | None) -> torch.dtype:
    """Precision of the large products on a sample: float32 when the model gave float32
    (its vectors carry ~1e-7 relative error already), float64 otherwise. A sum that would
    cancel (informativity's variance) is taken over values centred first."""
    return torch.float32 if source == torch.float32 else torch.float64
