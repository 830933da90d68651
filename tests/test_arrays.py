"""Vectors in any common form as a tensor; what is not numbers is named."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cselab.arrays import as_tensor
from cselab.errors import CselabError


def test_arrays_tensors_and_lists_become_tensors_without_copies() -> None:
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    shared = as_tensor(array)
    array[0, 0] = 7.0
    assert shared[0, 0].item() == 7.0  # numpy memory shared, not copied
    tensor = torch.ones(2, 3)
    assert as_tensor(tensor) is tensor
    assert as_tensor([[1, 2], [3, 4]], torch.float64).dtype == torch.float64
    assert as_tensor(array, torch.float64).dtype == torch.float64


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (None, "NoneType"),
        ([[1.0, 2.0], [3.0]], "list"),
        (np.array(["a", "b"]), "a numpy array of dtype <U1"),
        (np.array([object(), 1]), "a numpy array of dtype object"),
    ],
)
def test_what_is_not_numbers_is_one_named_error(values, kind) -> None:
    with pytest.raises(CselabError, match=f"anchor: expected numbers .* got {kind}$"):
        as_tensor(values, name="anchor")
