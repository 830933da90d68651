"""Pooling token embeddings into one sentence embedding.

``hidden``: (batch, seq, dim); ``mask``: (batch, seq), 1 for real tokens. Padding never
enters a pooled vector. ``POOLINGS`` maps a name to its function.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from cselab.errors import CselabError


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over non-padding tokens: Σ_t m_t h_t / Σ_t m_t."""
    weights = mask.to(hidden.dtype).unsqueeze(-1)  # (b, s, 1)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


def cls_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The first token's vector ([CLS] / <s>)."""
    return hidden[:, 0]


def max_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per-dimension maximum over non-padding tokens."""
    filled = hidden.masked_fill(~mask.bool().unsqueeze(-1), torch.finfo(hidden.dtype).min)
    return filled.max(1).values


POOLINGS: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "mean": mean_pool,
    "cls": cls_pool,
    "max": max_pool,
}


def get_pooling(name: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Look a pooling up by name, with an error that lists the choices."""
    try:
        return POOLINGS[name]
    except KeyError:
        raise CselabError(f"unknown pooling {name!r}; choose one of {sorted(POOLINGS)}") from None


def st_pooling_mode(model) -> str | None:
    """The pooling a SentenceTransformer model was saved with ('mean', 'cls', 'max'), if any."""
    for module in model:
        config: dict = getattr(module, "get_config_dict", lambda: {})()
        mode = config.get("pooling_mode")
        if mode is None:
            for key, name in (
                ("pooling_mode_mean_tokens", "mean"),
                ("pooling_mode_cls_token", "cls"),
                ("pooling_mode_max_tokens", "max"),
            ):
                if config.get(key):
                    mode = name
        if mode is not None:
            return {"mean_tokens": "mean", "cls_token": "cls", "max_tokens": "max"}.get(mode, mode)
    return None
