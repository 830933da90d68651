"""Several processes in ``cselab train`` (launched by torchrun or ``accelerate launch``).

With ``WORLD_SIZE = W > 1`` in the environment every rank:

- joins the process group (gloo on CPU, nccl on CUDA with device ``cuda:LOCAL_RANK``);
- seeds python/numpy/torch with ``seed + rank`` (independent dropout masks per rank);
- wraps the encoder in ``DistributedDataParallel`` (gradients averaged over ranks);
- takes its contiguous share of every **global** batch (``batch_size`` counts all ranks);
- computes its share of the loss in the loss's multi-process form (its anchors against
  every rank's candidates, or the whole batch gathered;
  :class:`~cselab.training.distributed.GatheredLoss`), which gives the loss and gradients
  of one process with the whole batch (derivation in docs/scaling.md).

Rank 0 alone writes the run directory (config, metrics, probes, checkpoints); the other
ranks wait at a barrier. A checkpoint holds every rank's RNG state, so resuming with the
same number of processes is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from cselab.errors import CselabError
from cselab.training.config import TrainConfig
from cselab.training.distributed import (
    DistributedEnv,
    GatheredLoss,
    init_distributed,
    multi_process_problem,
    shard_batch,
    teardown_distributed,
)


def _bad(name: str, value: object, why: str) -> CselabError:
    return CselabError(f"config field {name!r} = {value!r}: {why}")


def check_parallel_config(config: TrainConfig, world_size: int) -> None:
    """Refuse, before anything starts, what W > 1 processes cannot train exactly."""
    if world_size == 1:
        return
    from cselab.losses import LOSSES

    problem = multi_process_problem(LOSSES[config.loss])
    if problem is not None:
        raise _bad(
            "loss",
            config.loss,
            f"cannot be gathered across WORLD_SIZE={world_size} processes: it {problem}; "
            "train it on one process, with gradcache_mini_batch for a large batch",
        )
    if config.batch_size % world_size:
        raise _bad(
            "batch_size",
            config.batch_size,
            f"is the global batch and must be divisible by WORLD_SIZE={world_size}",
        )


def rank_device(device: str, env: DistributedEnv) -> str:
    """``cuda`` becomes ``cuda:LOCAL_RANK`` under several processes; CPU stays."""
    if env.world_size > 1 and str(device).startswith("cuda"):
        return f"cuda:{env.local_rank}"
    return device


@dataclass
class Processes:
    """This process's place in the run: rank, world size, and the collectives the loop needs."""

    env: DistributedEnv

    @property
    def rank(self) -> int:
        return self.env.rank

    @property
    def world_size(self) -> int:
        return self.env.world_size

    @property
    def is_main(self) -> bool:
        return self.env.is_main

    def shard(self, batch: list) -> list:
        """This rank's contiguous share of a global batch."""
        return batch if self.world_size == 1 else shard_batch(batch, self.rank, self.world_size)

    def wrap_model(self, model: nn.Module, device: str) -> nn.Module:
        """DDP around the encoder (unused parameters, e.g. BERT's pooler, are allowed)."""
        if self.world_size == 1:
            return model
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.env.local_rank] if str(device).startswith("cuda") else None
        return DistributedDataParallel(model, device_ids=ids, find_unused_parameters=True)

    def wrap_loss(self, loss: nn.Module, config: TrainConfig) -> nn.Module:
        """GatheredLoss for W > 1 (a loss without a multi-process form is refused)."""
        if self.world_size == 1:
            return loss
        problem = multi_process_problem(loss)
        if problem is not None:
            raise _bad("loss", config.loss, f"it {problem}; train it on one process")
        return GatheredLoss(loss)

    def barrier(self) -> None:
        if self.world_size > 1:
            dist.barrier()

    def mean(self, values: list[float]) -> list[float]:
        """Each value averaged over ranks (the global batch's loss and components)."""
        if self.world_size == 1 or not values:
            return values
        tensor = torch.tensor(values, dtype=torch.float64)
        if dist.get_backend() == "nccl":
            tensor = tensor.cuda()
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return (tensor / self.world_size).tolist()

    def all_true(self, flag: bool) -> bool:
        """Whether ``flag`` holds on every rank (one tiny all-reduce under several processes)."""
        if self.world_size == 1:
            return flag
        tensor = torch.tensor([int(flag)], dtype=torch.int32)
        if dist.get_backend() == "nccl":
            tensor = tensor.cuda()
        dist.all_reduce(tensor, op=dist.ReduceOp.MIN)
        return bool(tensor.item())

    def any_true(self, flag: bool) -> bool:
        """Whether ``flag`` holds on some rank."""
        return not self.all_true(not flag)

    def gather(self, value: Any) -> list[Any]:
        """Every rank's ``value`` (plain containers and CPU tensors), in rank order."""
        if self.world_size == 1:
            return [value]
        out: list[Any] = [None] * self.world_size
        dist.all_gather_object(out, value)
        return out

    def agree(self, value: Any, what: str) -> None:
        """All ranks must see the same ``value`` (e.g. the checkpoint to resume from)."""
        seen = self.gather(value)
        if any(other != seen[0] for other in seen):
            raise CselabError(
                f"the processes disagree on {what}: {seen} (rank order); every rank must "
                "see the same output_dir (a shared file system)"
            )

    def close(self) -> None:
        teardown_distributed()


def start_processes(device: str) -> Processes:
    """Join the process group when torchrun says ``WORLD_SIZE > 1``; else one process."""
    return Processes(init_distributed(device))
