"""Input checks shared by the losses: every failure is a CselabError naming the input."""

from __future__ import annotations

import math

import torch

from cselab.errors import CselabError


def check_embeddings(name: str, tensor: object, *, min_rows: int = 1) -> torch.Tensor:
    """``tensor`` must be a finite floating (n, d) tensor with at least ``min_rows`` rows."""
    if not isinstance(tensor, torch.Tensor):
        raise CselabError(f"{name} must be a torch.Tensor, got {type(tensor).__name__}")
    if tensor.dim() != 2:
        raise CselabError(f"{name} must have shape (batch, dim), got {tuple(tensor.shape)}")
    if not tensor.is_floating_point():
        raise CselabError(f"{name} must be a floating-point tensor, got dtype {tensor.dtype}")
    if tensor.shape[0] < min_rows:
        raise CselabError(
            f"{name} has {tensor.shape[0]} row(s) (shape {tuple(tensor.shape)}); "
            f"this loss needs at least {min_rows}"
        )
    if not bool(torch.isfinite(tensor).all()):
        raise CselabError(f"{name} (shape {tuple(tensor.shape)}) contains NaN or inf")
    return tensor


def check_views(
    anchor: torch.Tensor,
    positive: torch.Tensor,
    negative: torch.Tensor | None = None,
    *,
    min_rows: int = 1,
) -> None:
    """Anchor, positive (and hard negative) must be finite (B, d) tensors of equal shape."""
    check_embeddings("anchor", anchor, min_rows=min_rows)
    check_embeddings("positive", positive, min_rows=min_rows)
    if positive.shape != anchor.shape:
        raise CselabError(
            f"positive has shape {tuple(positive.shape)} but anchor has {tuple(anchor.shape)}"
        )
    if negative is not None:
        check_embeddings("negative", negative)
        if negative.shape != anchor.shape:
            raise CselabError(
                f"negative has shape {tuple(negative.shape)} but anchor has {tuple(anchor.shape)}"
            )


def check_candidates(anchor: torch.Tensor, candidates: torch.Tensor, labels: torch.Tensor) -> None:
    """Candidates (M, d) share the anchors' dim; labels (B,) index candidates; M ≥ 2."""
    check_embeddings("anchor", anchor)
    check_embeddings("candidates", candidates, min_rows=2)
    if candidates.shape[1] != anchor.shape[1]:
        raise CselabError(
            f"candidates have shape {tuple(candidates.shape)} but anchor has "
            f"{tuple(anchor.shape)} (embedding dims differ)"
        )
    if not isinstance(labels, torch.Tensor) or labels.dtype != torch.long:
        raise CselabError("labels must be a torch.long tensor of candidate indices")
    if labels.shape != (anchor.shape[0],):
        raise CselabError(
            f"labels have shape {tuple(labels.shape)}; expected ({anchor.shape[0]},), "
            "one candidate index per anchor"
        )
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= candidates.shape[0]):
        raise CselabError(
            f"labels must lie in [0, {candidates.shape[0] - 1}] (candidates has "
            f"{candidates.shape[0]} rows); got range [{int(labels.min())}, {int(labels.max())}]"
        )


def check_positive_number(name: str, value: float) -> float:
    """A hyper-parameter that must be a finite number > 0 (temperature, scale, ...)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CselabError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise CselabError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def check_non_negative_number(name: str, value: float) -> float:
    """A hyper-parameter that must be a finite number ≥ 0 (margins, weights)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CselabError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise CselabError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def check_choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    """A string option that must be one of ``choices``."""
    if value not in choices:
        raise CselabError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def reject_negative(loss_name: str, negative: torch.Tensor | None) -> None:
    """For losses that cannot use hard negatives: fail loudly instead of ignoring them."""
    if negative is not None:
        raise CselabError(
            f"{loss_name} does not use hard negatives, but a negative tensor of shape "
            f"{tuple(negative.shape)} was given; drop the negative column or pick another loss"
        )


def detached(**values: torch.Tensor) -> dict[str, torch.Tensor]:
    """Components for logging: detached scalar tensors (``float(v)`` gives the number)."""
    return {key: value.detach() for key, value in values.items()}
