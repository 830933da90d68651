"""Vectors given in any common form (numpy array, torch tensor, nested lists) as a tensor.

Users of other frameworks hand cselab numpy arrays or lists; what cannot be read as numbers
(text, ``None``, ragged lists) is one :class:`~cselab.errors.CselabError` naming the input,
not torch's conversion error.
"""

from __future__ import annotations

import numpy as np
import torch

from cselab.errors import CselabError


def as_tensor(values, dtype: torch.dtype | None = None, *, name: str = "values") -> torch.Tensor:
    """``values`` as a tensor (no copy for tensors and numpy arrays), cast to ``dtype`` when
    given; ``name`` names the input in the error."""
    if isinstance(values, torch.Tensor):
        return values if dtype is None else values.to(dtype)
    try:
        if isinstance(values, np.ndarray):
            tensor = torch.from_numpy(values)
            return tensor if dtype is None else tensor.to(dtype)
        return torch.as_tensor(values, dtype=dtype)
    except (TypeError, ValueError, RuntimeError):
        kind = type(values).__name__
        if isinstance(values, np.ndarray):
            kind = f"a numpy array of dtype {values.dtype}"
        raise CselabError(
            f"{name}: expected numbers (a numpy array, a torch tensor or nested lists of equal "
            f"length), got {kind}"
        ) from None
