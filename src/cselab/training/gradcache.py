"""Gradient caching (GradCache): a large in-batch-negative batch in fixed memory.

Gao, Zhang, Han & Callan 2021, "Scaling Deep Contrastive Learning Batch Size under Memory
Limited Setup". A contrastive loss L(e_1, …, e_B) couples every embedding of the batch, so
plain gradient accumulation cannot split it (accumulation adds *steps*, not *negatives*).
GradCache splits the encoder instead:

1. embed every mini-batch without a graph, ê = f_θ(x) (memory: one mini-batch of
   activations), recording each mini-batch's RNG state;
2. compute the loss on the whole (B, d) columns of ê, made leaf tensors, and back-propagate
   to get the cached gradients u = ∂L/∂ê (B, d) — and the gradients of any loss parameters;
3. re-embed each mini-batch with a graph under its recorded RNG state (so dropout draws the
   same masks) and back-propagate the cached slice: ∂L/∂θ = Σ_j (∂e_j/∂θ)ᵀ u_j.

By the chain rule step 3 gives exactly the gradient of the full-batch loss. "Batch size"
is the number of examples the loss sees at once (B, the in-batch negatives); "mini-batch
size" is how many of them go through the encoder at a time (memory only; no effect on
the maths). The encoder must treat examples independently (no BatchNorm in train mode).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import torch

from cselab.errors import CselabError

Features = torch.Tensor | Mapping[str, torch.Tensor]
EmbedFn = Callable[[Any], torch.Tensor]
LossFn = Callable[..., torch.Tensor]


@dataclass
class RngState:
    """The torch CPU generator state and, when CUDA is in use, every CUDA device's state."""

    cpu: torch.Tensor
    cuda: list[torch.Tensor] | None

    @classmethod
    def capture(cls) -> RngState:
        cuda_in_use = torch.cuda.is_available() and torch.cuda.is_initialized()
        return cls(torch.get_rng_state(), torch.cuda.get_rng_state_all() if cuda_in_use else None)

    def restore(self) -> None:
        torch.set_rng_state(self.cpu)
        if self.cuda is not None:
            torch.cuda.set_rng_state_all(self.cuda)


def batch_rows(features: Features, name: str = "features") -> int:
    """Number of examples in a feature batch (a tensor, or a mapping of equal-length tensors)."""
    if isinstance(features, torch.Tensor):
        if features.dim() == 0:
            raise CselabError(f"{name} must have a batch dimension, got a scalar tensor")
        return int(features.shape[0])
    if not isinstance(features, Mapping) or not features:
        raise CselabError(f"{name} must be a tensor or a non-empty mapping of tensors")
    sizes = {key: int(value.shape[0]) for key, value in features.items() if torch.is_tensor(value)}
    if not sizes:
        raise CselabError(f"{name} holds no tensors (keys {sorted(features)})")
    if len(set(sizes.values())) != 1:
        raise CselabError(f"{name} tensors disagree on the batch size: {sizes}")
    return next(iter(sizes.values()))


def split_features(features: Features, mini_batch_size: int) -> list[Features]:
    """Split a batch into consecutive mini-batches of ``mini_batch_size`` rows (last may be short).

    Mapping entries that are not tensors are passed unchanged to every mini-batch.
    """
    check_mini_batch_size(mini_batch_size)
    rows = batch_rows(features)
    starts = range(0, rows, mini_batch_size)
    if isinstance(features, torch.Tensor):
        return [features[s : s + mini_batch_size] for s in starts]
    return [
        {k: v[s : s + mini_batch_size] if torch.is_tensor(v) else v for k, v in features.items()}
        for s in starts
    ]


def check_mini_batch_size(mini_batch_size: object) -> int:
    if isinstance(mini_batch_size, bool) or not isinstance(mini_batch_size, int):
        raise CselabError(f"mini_batch_size must be an int, got {mini_batch_size!r}")
    if mini_batch_size < 1:
        raise CselabError(f"mini_batch_size must be >= 1, got {mini_batch_size}")
    return mini_batch_size


def _embed_checked(embed: EmbedFn, features: Features, where: str) -> torch.Tensor:
    out = embed(features)
    rows = batch_rows(features, where)
    if not isinstance(out, torch.Tensor) or out.dim() != 2 or out.shape[0] != rows:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise CselabError(f"embed({where}) must return a ({rows}, dim) tensor, got {shape}")
    return out


def gradcache_step(
    embed: EmbedFn,
    columns: Sequence[Features],
    loss_fn: LossFn,
    *,
    mini_batch_size: int,
    no_sync: Callable[[], AbstractContextManager[Any]] | None = None,
    scale: Callable[[torch.Tensor], torch.Tensor] | None = None,
    allow_non_finite: bool = False,
) -> torch.Tensor:
    """One GradCache forward/backward; parameter ``.grad`` receive ∂L/∂θ of the full batch.

    ``columns``: the batch's columns (anchor, positive[, negative]) as tokenized features
    (B rows each); ``embed(features) -> (b, d)``; ``loss_fn(*embeddings) -> scalar`` on
    the full (B, d) columns (a ``LOSSES`` module, or a distributed wrapper; its
    ``last_parts`` are those of this call). Gradients are
    *added* to ``.grad`` (zero them before, step the optimizer after). ``no_sync``: e.g.
    ``ddp_model.no_sync`` — all but the last re-forward run inside it, so DDP all-reduces
    once. ``scale``: what step 2 back-propagates instead of the loss (fp16's loss scaling,
    ``GradScaler.scale``: the cached gradients, and so the parameters', are scaled alike).
    A non-finite loss is an error unless ``allow_non_finite`` (the caller then finds
    non-finite gradients and decides; every process still runs every re-forward, so DDP's
    collectives stay matched). Returns the loss (detached).
    """
    check_mini_batch_size(mini_batch_size)
    if not columns:
        raise CselabError("gradcache_step needs at least one column of features, got none")
    chunks = [split_features(col, mini_batch_size) for col in columns]  # column -> mini-batches

    # 1. no-graph forward, one RNG state per mini-batch
    states: list[list[RngState]] = []
    cached: list[torch.Tensor] = []
    with torch.no_grad():
        for c, column_chunks in enumerate(chunks):
            states.append([])
            parts = []
            for j, chunk in enumerate(column_chunks):
                states[c].append(RngState.capture())
                parts.append(_embed_checked(embed, chunk, f"column {c}, mini-batch {j}"))
            cached.append(torch.cat(parts).requires_grad_())  # (B, d) leaf
    after_first_pass = RngState.capture()

    # 2. loss on the full batch, gradients w.r.t. the cached embeddings
    loss = loss_fn(*cached)
    if not isinstance(loss, torch.Tensor):
        raise CselabError(f"loss_fn must return a scalar tensor, got {type(loss).__name__}")
    if loss.dim() != 0:
        raise CselabError(f"loss_fn must return a scalar loss, got shape {tuple(loss.shape)}")
    if not allow_non_finite and not math.isfinite(float(loss.detach())):
        raise CselabError(
            f"the loss is {float(loss.detach())} on this batch; no gradients were applied"
        )
    (loss if scale is None else scale(loss)).backward()
    grads = [e.grad if e.grad is not None else torch.zeros_like(e) for e in cached]

    # 3. re-forward with a graph under the recorded RNG states, back-propagate cached slices
    last = (len(chunks) - 1, len(chunks[-1]) - 1)
    for c, column_chunks in enumerate(chunks):
        start = 0
        for j, chunk in enumerate(column_chunks):
            states[c][j].restore()
            syncing = no_sync is None or (c, j) == last
            with contextlib.nullcontext() if syncing else no_sync():  # type: ignore[misc]
                emb = _embed_checked(embed, chunk, f"column {c}, mini-batch {j}")
                torch.autograd.backward(emb, grads[c][start : start + emb.shape[0]])
            start += emb.shape[0]
    after_first_pass.restore()  # later randomness continues as after a single pass
    return loss.detach()


def sentence_embedding_fn(model: torch.nn.Module) -> EmbedFn:
    """``embed`` for a SentenceTransformer (or DDP-wrapped one): tokenized features -> (b, d)."""

    def embed(features: Features) -> torch.Tensor:
        return model(dict(features))["sentence_embedding"]  # type: ignore[arg-type]

    return embed
