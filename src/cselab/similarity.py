"""Similarity matrices between two sets of embeddings.

``a``: (n, d), ``b``: (m, d) -> (n, m). ``SIMILARITIES`` maps a name to its function, so
losses and evaluators take the similarity as an argument (cosine, dot, negative L2).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from cselab.errors import CselabError


def cosine(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """cos(a_i, b_j) = a_i·b_j / (‖a_i‖‖b_j‖)."""
    return F.normalize(a, dim=-1) @ F.normalize(b, dim=-1).T


def dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a_i·b_j."""
    return a @ b.T


def neg_l2(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """−‖a_i − b_j‖₂ (higher is more similar)."""
    return -torch.cdist(a, b, p=2)


SIMILARITIES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "cosine": cosine,
    "dot": dot,
    "neg_l2": neg_l2,
}


def get_similarity(name: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Look a similarity up by name, with an error that lists the choices."""
    try:
        return SIMILARITIES[name]
    except KeyError:
        choices = sorted(SIMILARITIES)
        raise CselabError(f"unknown similarity {name!r}; choose one of {choices}") from None
