"""The learning-rate schedule, and what happens to it when a run's length changes.

The rate before step t + 1 (after t optimizer steps) is η·λ(t) with linear warm-up then
linear decay to 0 at the planned last step T (``transformers.get_linear_schedule_with_warmup``):
λ(t) = t / w for t < w, else max(0, (T − t) / (T − w)), w = ``warmup_steps``.

λ depends on the step and the planned length only. A run continued to a larger
``max_steps`` (or more ``epochs``), T → T′, is **re-planned**: from the step it continues
at, s, it follows the schedule of a run planned for T′ from the start,
η·(T′ − t) / (T′ − w) for t ≥ s ≥ w. A finished run (λ(T) = 0) thus restarts at
η·(T′ − T) / (T′ − w) and decays linearly to 0 at T′; the steps it already took keep the
rates they had. The same rule holds for a crashed run resumed with another length.
"""

from __future__ import annotations

from typing import Any

import torch


def build_schedule(optimizer: torch.optim.Optimizer, warmup_steps: int, total_steps: int) -> Any:
    """Linear warm-up over ``warmup_steps``, then linear decay to 0 at ``total_steps``."""
    from transformers import get_linear_schedule_with_warmup

    return get_linear_schedule_with_warmup(optimizer, warmup_steps, total_steps)


def replan(scheduler: Any) -> None:
    """Set every group's rate to η·λ(t) of ``scheduler``'s own λ at its current step t.

    After a schedule's state is loaded into a schedule of another length, the optimizer
    still holds the rate the old schedule set for the next step (0 at the end of a finished
    run); this makes the next step use the new schedule's rate. With the same length it
    sets the very value that was there (η·λ(t), the same product in the same precision).
    """
    step = scheduler.last_epoch
    rates = [
        base * rate(step)
        for base, rate in zip(scheduler.base_lrs, scheduler.lr_lambdas, strict=True)
    ]
    for group, value in zip(scheduler.optimizer.param_groups, rates, strict=True):
        group["lr"] = value
    scheduler._last_lr = rates
