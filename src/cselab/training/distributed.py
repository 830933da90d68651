"""In-batch negatives gathered across processes, and process-group set-up for torchrun.

With W processes of B examples each, the full-batch InfoNCE loss is the mean over all W·B
anchors, L = (1/W) Σ_r L_r, where rank r computes L_r, the mean loss of its *local* anchors
against the *global* candidates C = cat(P_0 … P_{W−1}, N_0 … N_{W−1}) (positives of every
rank, then hard negatives of every rank). Anchor i of rank r has its positive at row
r·B + i of C — the same row whether or not hard negatives are gathered, because all
positives come first; putting each rank's [P_r; N_r] block together instead would shift
the labels and point anchors at hard negatives.

Gradients. The rows of C that rank r contributed, e_r, enter every L_s, so
∂L/∂e_r = (1/W) Σ_s ∂L_s/∂e_r. :func:`gather_with_grad` keeps the local slot's graph and
its backward *sums* the gradients that all ranks computed for that slot (an all-reduce of
the gathered gradient), so rank r back-propagates Σ_s ∂L_s/∂e_r; DDP then *averages* the
parameter gradients over ranks, giving (1/W) Σ_r Σ_s ∂L_s/∂e_r · ∂e_r/∂θ = ∂L/∂θ exactly:
no factor W is needed. (The popular shortcut that only keeps the local slot's graph drops
the terms s ≠ r; it is exact only if every rank computes the loss of *all* W·B anchors and
the loss is multiplied by W.)
"""

from __future__ import annotations

import contextlib
import datetime
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import torch
import torch.distributed as dist
from torch import nn

from cselab.errors import CselabError
from cselab.losses.base import LossOutput
from cselab.losses.info_nce import (
    InfoNCE,
    SymmetricInfoNCE,
    candidate_labels,
    info_nce_loss,
    symmetric_info_nce_loss,
)

ENV_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
T = TypeVar("T")


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def get_rank() -> int:
    return dist.get_rank() if is_distributed() else 0


def get_world_size() -> int:
    return dist.get_world_size() if is_distributed() else 1


def is_main_process() -> bool:
    return get_rank() == 0


class _GatherSumBackward(torch.autograd.Function):
    """all_gather forward; backward all-reduces (sums) the gathered gradient, keeps own slot."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        ctx.rank, ctx.rows = dist.get_rank(), x.shape[0]
        parts = [torch.empty_like(x) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, x.contiguous())
        return torch.cat(parts)  # (W·n, ...)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)  # Σ_s ∂L_s/∂(gathered)
        return grad[ctx.rank * ctx.rows : (ctx.rank + 1) * ctx.rows]


def gather_with_grad(x: torch.Tensor) -> torch.Tensor:
    """cat over ranks of ``x`` (n, ...) -> (W·n, ...), in rank order; differentiable.

    The gradient reaching the local ``x`` is the sum of the gradients that every rank's
    loss sends to rank r's slot (see the module docstring). Without a process group this
    returns ``x``. Every rank must pass the same shape.
    """
    if not is_distributed() or get_world_size() == 1:
        return x
    shape = torch.tensor(list(x.shape), dtype=torch.long, device=x.device)
    shapes = [torch.empty_like(shape) for _ in range(get_world_size())]
    dist.all_gather(shapes, shape)
    if any(not torch.equal(s, shape) for s in shapes):
        found = [tuple(s.tolist()) for s in shapes]
        raise CselabError(f"gather_with_grad: ranks hold tensors of different shapes {found}")
    return _GatherSumBackward.apply(x)


def shard_batch(batch: Sequence[T], rank: int, world_size: int) -> list[T]:
    """Rank ``rank``'s contiguous share of a global batch (``batch_size`` = all ranks together).

    Contiguous shares in rank order keep example j of the global batch at candidate row j
    after :func:`gather_candidates`, exactly as with one process.
    """
    if len(batch) % world_size:
        raise CselabError(
            f"batch_size {len(batch)} is not divisible by the number of processes {world_size}"
        )
    size = len(batch) // world_size
    return list(batch[rank * size : (rank + 1) * size])


def gather_candidates(
    positive: torch.Tensor, negative: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Global candidates and the local anchors' labels.

    positive, negative (B, d) local -> candidates cat(P_all (W·B, d)[, N_all (W·B, d)]) and
    labels (B,) = rank·B + arange(B): anchor i's positive, never a hard negative.
    """
    candidates = gather_with_grad(positive)
    if negative is not None:
        candidates = torch.cat([candidates, gather_with_grad(negative)])
    labels = candidate_labels(positive.shape[0], get_rank() * positive.shape[0], positive.device)
    return candidates, labels


class GatheredLoss(nn.Module):
    """A ``LOSSES`` module whose in-batch negatives come from every process.

    Called like the wrapped loss, ``(anchor, positive, negative=None) -> LossOutput``, on the
    local (B, d) columns. In-batch losses (InfoNCE, symmetric InfoNCE) see the gathered
    candidates; losses without in-batch negatives (``in_batch = False``, e.g. triplet) are
    per-example means and are computed locally (DDP's averaging makes them exact). With
    one process it is the wrapped loss, whatever it is; with several, other in-batch losses
    are refused (their local value would not be the full-batch one). Components are those
    of the local batch.
    """

    in_batch: ClassVar[bool] = True

    def __init__(self, loss: nn.Module) -> None:
        super().__init__()
        gatherable = isinstance(loss, (InfoNCE, SymmetricInfoNCE))
        if get_world_size() > 1 and getattr(loss, "in_batch", False) and not gatherable:
            raise CselabError(
                f"loss {type(loss).__name__} uses in-batch negatives but has no gathered form; "
                "train it on one process"
            )
        self.loss = loss

    def forward(
        self, anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor | None = None
    ) -> LossOutput:
        if get_world_size() == 1 or not getattr(self.loss, "in_batch", False):
            return self.loss(anchor, positive, negative)
        with torch.no_grad():
            local = self.loss(anchor, positive, negative)  # validates inputs, gives components
        candidates, labels = gather_candidates(positive, negative)  # (M, d), (B,)
        module: Any = self.loss  # InfoNCE or SymmetricInfoNCE (checked in __init__)
        options = {"temperature": module.temperature, "similarity": module.similarity}
        if isinstance(self.loss, SymmetricInfoNCE):
            anchors = gather_with_grad(anchor)  # (W·B, d); pair i of rank r at row r·B + i
            loss = symmetric_info_nce_loss(anchor, positive, candidates, anchors, labels, **options)
        else:
            loss = info_nce_loss(anchor, candidates, labels, **options)
        return LossOutput(loss, local.components)


@dataclass(frozen=True)
class DistributedEnv:
    """What torchrun / ``accelerate launch`` tell a process about itself."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def _int_var(name: str, environ: dict[str, str]) -> int:
    value = environ.get(name)
    if value is None:
        raise CselabError(f"environment variable {name} is not set (torchrun sets it)")
    try:
        number = int(value)
    except ValueError:
        raise CselabError(f"environment variable {name}={value!r} is not an integer") from None
    if number < 0:
        raise CselabError(f"environment variable {name}={value!r} must be >= 0")
    return number


def read_env(environ: dict[str, str] | None = None) -> DistributedEnv:
    """Rank, world size and local rank from the environment; one process if WORLD_SIZE is unset."""
    env = dict(os.environ if environ is None else environ)
    if "WORLD_SIZE" not in env:
        return DistributedEnv()
    world_size = _int_var("WORLD_SIZE", env)
    if world_size < 1:
        raise CselabError(f"environment variable WORLD_SIZE={world_size} must be >= 1")
    rank = _int_var("RANK", env)
    if rank >= world_size:
        raise CselabError(f"environment variable RANK={rank} must be < WORLD_SIZE={world_size}")
    local_rank = _int_var("LOCAL_RANK", env) if "LOCAL_RANK" in env else rank
    if world_size > 1:
        for name in ("MASTER_ADDR", "MASTER_PORT"):
            if not env.get(name):
                raise CselabError(f"environment variable {name} is not set (torchrun sets it)")
        _int_var("MASTER_PORT", env)
    return DistributedEnv(rank, world_size, local_rank)


def init_distributed(
    device: str = "cpu", *, backend: str | None = None, timeout_s: float = 600.0
) -> DistributedEnv:
    """Join the process group described by the environment (no-op for one process).

    Backend: ``nccl`` for a CUDA ``device`` (which is then set to ``cuda:LOCAL_RANK``),
    ``gloo`` on CPU, unless ``backend`` is given. Returns the process's :class:`DistributedEnv`.
    """
    env = read_env()
    if env.world_size == 1 or is_distributed():
        return env
    is_cuda = str(device).startswith("cuda")
    if is_cuda:
        torch.cuda.set_device(env.local_rank)
    dist.init_process_group(
        backend=backend or ("nccl" if is_cuda else "gloo"),
        init_method="env://",
        rank=env.rank,
        world_size=env.world_size,
        timeout=datetime.timedelta(seconds=timeout_s),
    )
    return env


def teardown_distributed() -> None:
    """Leave the process group if one was joined."""
    if is_distributed():
        dist.destroy_process_group()


@contextlib.contextmanager
def distributed_session(device: str = "cpu", **kwargs: Any) -> Iterator[DistributedEnv]:
    """``with distributed_session("cpu") as env: ...``: init from the environment, always teardown."""
    env = init_distributed(device, **kwargs)
    try:
        yield env
    finally:
        teardown_distributed()


def all_reduce_mean(value: torch.Tensor) -> torch.Tensor:
    """Mean of a (detached) tensor over ranks, for logging the global loss."""
    if not is_distributed():
        return value
    out = value.detach().clone()
    dist.all_reduce(out, op=dist.ReduceOp.SUM)
    return out / get_world_size()
