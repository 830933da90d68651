"""One rank of the loss contract's two-process check (launched by torchrun, see test_contract).

Every case trains nothing: it embeds this rank's share of a fixed batch with a small float64
encoder wrapped in DistributedDataParallel, computes the loss in its multi-process form
(``GatheredLoss``, the trainer's path), back-propagates, and saves the global loss (mean over
ranks), the global parts and the parameter gradients to ``OUT/rank{r}.pt`` — and, as a
negative control, VICReg computed on each rank's rows only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torch import nn

from cselab.losses import LOSSES

WORLD, LOCAL_BATCH, DIM_IN = 2, 3, 8


def cases() -> list[tuple[str, bool]]:
    """(loss name, with hard negatives) for every gatherable loss and every column set it takes."""
    found = []
    for name, cls in LOSSES.items():
        if cls.gatherable:
            if "negative" not in cls.columns:
                found.append((name, False))
            if "negative" in cls.columns + cls.optional_columns:
                found.append((name, True))
    return found


def encoder() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(DIM_IN, 6), nn.Tanh(), nn.Linear(6, 5)).double()


def batch() -> list[torch.Tensor]:
    """Anchor, positive, negative inputs of the whole batch (WORLD·LOCAL_BATCH rows each)."""
    generator = torch.Generator().manual_seed(1)
    return [torch.randn(WORLD * LOCAL_BATCH, DIM_IN, generator=generator).double() for _ in "apn"]


def main(out_dir: str) -> None:
    from torch.nn.parallel import DistributedDataParallel

    from cselab.training.distributed import (
        GatheredLoss,
        all_reduce_mean,
        init_distributed,
        shard_batch,
        teardown_distributed,
    )

    torch.set_num_threads(1)
    env = init_distributed("cpu", timeout_s=60)
    rows = shard_batch(range(WORLD * LOCAL_BATCH), env.rank, WORLD)
    results: dict[str, object] = {}
    for name, hard in cases():
        model = DistributedDataParallel(encoder())
        a, p, n = (x[rows] for x in batch())
        loss = GatheredLoss(LOSSES[name]())
        value = loss(model(a), model(p), model(n) if hard else None)
        value.backward()
        parts = {key: float(all_reduce_mean(part)) for key, part in loss.last_parts.items()}
        grads = [param.grad.clone() for param in model.parameters()]
        results[f"{name}/{hard}"] = (float(all_reduce_mean(value)), parts, grads)
    model = DistributedDataParallel(encoder())  # negative control: batch statistics of the
    a, p, _ = (x[rows] for x in batch())  # local rows only (what a loss without a gathered
    value = LOSSES["vicreg"]()(model(a), model(p))  # form would train on)
    value.backward()
    grads = [param.grad.clone() for param in model.parameters()]
    results["vicreg/local_only"] = (float(all_reduce_mean(value.detach())), {}, grads)
    torch.save(results, Path(out_dir) / f"rank{env.rank}.pt")
    teardown_distributed()


if __name__ == "__main__":
    main(sys.argv[1])
