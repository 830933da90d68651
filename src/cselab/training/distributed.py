"""Batch statistics gathered across processes, and process-group set-up for torchrun.

With W processes of B examples each, rank r computes L_r with its loss's multi-process form
(:meth:`cselab.losses.base.Loss.gathered`), and the whole batch's loss is L = (1/W) Σ_r L_r:

- candidate losses (InfoNCE, ArcCon, MPT/MET/MAT, ...): L_r is the mean loss of the *local*
  anchors against the *global* candidates C = cat(P_0 … P_{W−1}, N_0 … N_{W−1})
  (positives of every rank, then hard negatives of every rank). Anchor i of rank r has its
  positive at row r·B + i of C — the same row whether or not hard negatives are gathered,
  because all positives come first; putting each rank's [P_r; N_r] block together instead
  would shift the labels and point anchors at hard negatives;
- losses of batch statistics (Barlow Twins, VICReg, alignment/uniformity, ...): every
  column is gathered and every rank computes the whole batch's loss, L_r = L;
- per-example losses (triplet): L_r is the mean over the local rows.

Gradients. The rows that rank r contributed, e_r, enter every L_s, and
∂L/∂e_r = (1/W) Σ_s ∂L_s/∂e_r. :func:`gather_with_grad` keeps the local slot's graph and
its backward *sums* the gradients that all ranks computed for that slot (an all-reduce of
the gathered gradient), so rank r back-propagates Σ_s ∂L_s/∂e_r; DDP then *averages* the
parameter gradients over ranks, giving (1/W) Σ_r Σ_s ∂L_s/∂e_r · ∂e_r/∂θ = ∂L/∂θ exactly:
no factor W is needed, whichever of the three forms (for L_s = L the sum is W·∂L/∂e_r and
the average removes the W). (The popular shortcut that only keeps the local slot's graph
drops the terms s ≠ r; it is exact only if every rank computes the loss of *all* W·B
anchors and the loss is multiplied by W.)
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import torch
import torch.distributed as dist
from torch import nn

from cselab.errors import CselabError
from cselab.losses.base import Parts
from cselab.losses.candidates import gathered_candidates
from cselab.training.launch_env import DistributedEnv, read_env

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


class ProcessGather:
    """The :class:`cselab.losses.base.Gather` of this process group: :func:`gather_with_grad`."""

    @property
    def rank(self) -> int:
        return get_rank()

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return gather_with_grad(x)


def gather_candidates(
    positive: torch.Tensor, negative: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Global candidates and the local anchors' labels.

    positive, negative (B, d) local -> candidates cat(P_all (W·B, d)[, N_all (W·B, d)]) and
    labels (B,) = rank·B + arange(B): anchor i's positive, never a hard negative.
    """
    return gathered_candidates(positive, negative, ProcessGather())


def multi_process_problem(loss: type | nn.Module) -> str | None:
    """Why ``loss`` cannot run under several processes, or None when it can (it declares
    ``gatherable`` and has no trainable parameters of its own, which DDP would not average)."""
    cls = loss if isinstance(loss, type) else type(loss)
    if getattr(cls, "gatherable", None) is not True:
        uses = (
            "uses in-batch negatives or batch statistics but "
            if getattr(cls, "in_batch", True)
            else ""
        )
        return f"{uses}declares no gathered form (gatherable)"
    if isinstance(loss, nn.Module) and any(p.requires_grad for p in loss.parameters()):
        return "has trainable parameters of its own"
    return None


class GatheredLoss(nn.Module):
    """A ``LOSSES`` module computed in its multi-process form when there are several processes.

    Called like the wrapped loss, ``(anchor, positive, negative=None) -> scalar``, on the
    local (B, d) columns: with one process it is the wrapped loss, whatever it is; with
    several, :meth:`~cselab.losses.base.Loss.gathered` (the mean over processes of the
    values is the whole batch's loss, the gradients too). A loss without that form is
    refused. ``last_parts`` are the wrapped loss's, from the same computation.
    """

    def __init__(self, loss: nn.Module) -> None:
        super().__init__()
        problem = multi_process_problem(loss) if get_world_size() > 1 else None
        if problem is not None:
            raise CselabError(f"loss {type(loss).__name__} {problem}; train it on one process")
        self.loss = loss

    @property
    def last_parts(self) -> Parts:
        return self.loss.last_parts  # type: ignore[return-value]

    def forward(
        self, anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor | None = None
    ) -> torch.Tensor:
        if get_world_size() == 1:
            return self.loss(anchor, positive, negative)
        return self.loss.gathered(anchor, positive, negative, gather=ProcessGather())  # type: ignore[operator]


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
