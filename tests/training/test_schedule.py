"""The learning-rate schedule re-planned when a run's length changes."""

from __future__ import annotations

import pytest
import torch

from cselab.training.schedule import build_schedule, replan

LR, WARMUP = 0.5, 2


def stepped(total: int, steps: int):
    """An optimizer and its schedule planned for ``total`` steps, after ``steps`` of them."""
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    schedule = build_schedule(optimizer, WARMUP, total)
    for _ in range(steps):
        optimizer.step()
        schedule.step()
    return optimizer, schedule


def test_a_finished_schedule_continued_decays_to_the_new_end() -> None:
    old_optimizer, old = stepped(total=6, steps=6)
    assert old_optimizer.param_groups[0]["lr"] == 0.0  # a finished run's last rate
    optimizer, schedule = stepped(total=10, steps=0)
    optimizer.load_state_dict(old_optimizer.state_dict())
    schedule.load_state_dict(old.state_dict())
    replan(schedule)
    rates = [optimizer.param_groups[0]["lr"]]  # the rate of step 7, then of 8, 9, 10
    for _ in range(3):
        optimizer.step()
        schedule.step()
        rates.append(optimizer.param_groups[0]["lr"])
    # λ(t) = (T' − t) / (T' − w) for t >= w: the schedule of a 10-step run from step 6 on
    expected = [LR * (10 - t) / (10 - WARMUP) for t in (6, 7, 8, 9)]
    assert rates == pytest.approx(expected, abs=1e-12)
    assert schedule.get_last_lr() == pytest.approx([expected[-1]])


def test_replanning_the_same_length_changes_nothing() -> None:
    optimizer, schedule = stepped(total=10, steps=4)
    before = optimizer.param_groups[0]["lr"]
    replan(schedule)
    assert optimizer.param_groups[0]["lr"] == before  # bit for bit
