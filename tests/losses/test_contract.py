"""The loss contract (cselab.losses.base.Loss), checked over every LOSSES entry.

Declared properties present and honoured (columns, hooks, parts of the last call); the
multi-process form of every gatherable loss equals one process with the whole batch, in
value, parts and gradients, under ``torchrun --nproc_per_node 2`` (gloo, CPU; one launch for
all losses); every loss without it is refused before training.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import gathered_worker as worker
import pytest
import torch
from torch import nn

from cselab.errors import CselabError
from cselab.losses import LOSSES
from cselab.losses.base import (
    DECLARATIONS,
    Loss,
    OneProcess,
    TwoViewLoss,
    check_columns,
    check_declarations,
)
from cselab.training.config import TrainConfig, data_columns
from cselab.training.distributed import GatheredLoss, multi_process_problem
from cselab.training.parallel import check_parallel_config

NAMES = sorted(LOSSES)
GATHERABLE = [name for name in NAMES if LOSSES[name].gatherable]
REFUSED = [name for name in NAMES if not LOSSES[name].gatherable]


def views(name: str, seed: int = 0, rows: int = 6, dim: int = 5) -> list[torch.Tensor | None]:
    """Anchor, positive (and a negative when the loss needs one), float64, with gradients."""
    generator = torch.Generator().manual_seed(seed)
    a, p, n = (torch.randn(rows, dim, generator=generator, dtype=torch.float64) for _ in "apn")
    negative = n if "negative" in LOSSES[name].columns else None
    return [x.requires_grad_() if x is not None else None for x in (a, p, negative)]


def build(name: str) -> Loss:
    torch.manual_seed(0)  # the same initial weights for a loss with its own (BYOL)
    return LOSSES[name]().double()


@pytest.mark.parametrize("name", NAMES)
def test_every_loss_declares_the_contract(name: str) -> None:
    cls = LOSSES[name]
    assert issubclass(cls, Loss)
    assert check_declarations(cls, name) is cls
    assert all(isinstance(getattr(cls, item), tuple if "columns" in item else bool)
               for item in DECLARATIONS)  # fmt: skip
    assert cls.columns[:2] == ("anchor", "positive")
    if cls.target_network:  # a target network comes with its hooks
        for hook in ("setup", "prepare", "after_step"):
            assert getattr(cls, hook) is not getattr(Loss, hook), hook


@pytest.mark.parametrize("name", NAMES)
def test_a_call_returns_a_scalar_and_leaves_its_parts(name: str) -> None:
    loss = build(name)
    first = loss(*views(name, seed=0))
    assert isinstance(first, torch.Tensor) and first.dim() == 0 and first.requires_grad
    parts = dict(loss.last_parts)
    assert parts and all(v.dim() == 0 and not v.requires_grad for v in parts.values())
    first.backward()  # a scalar that back-propagates, as torch losses do
    loss(*views(name, seed=1))
    fresh = build(name)
    fresh(*views(name, seed=1))
    assert loss.last_parts.keys() == parts.keys()
    for key, value in fresh.last_parts.items():  # the last call's parts
        torch.testing.assert_close(loss.last_parts[key], value, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", NAMES)
def test_the_declared_columns_are_the_ones_taken(name: str) -> None:
    cls = LOSSES[name]
    a, p, _ = views(name)
    extra = torch.randn(a.shape, dtype=a.dtype)
    if "negative" in cls.columns:
        with pytest.raises(CselabError, match="negative"):
            build(name)(a, p)
    elif "negative" in cls.optional_columns:
        assert build(name)(a, p, extra).dim() == 0
    else:
        with pytest.raises(CselabError, match="hard negatives"):
            build(name)(a, p, extra)
    for kind in ("sentences", "triplets"):
        given = data_columns(TrainConfig(loss=name, data_kind=kind))
        fits = set(cls.columns) <= set(given) <= set(cls.columns + cls.optional_columns)
        if fits:
            check_columns(cls, given, "data", name)
        else:
            with pytest.raises(CselabError, match=f"data: loss '{name}'.*hard negatives"):
                check_columns(cls, given, "data", name)


@pytest.mark.parametrize("name", GATHERABLE)
def test_the_gathered_form_of_one_process_is_the_call(name: str) -> None:
    loss = build(name)
    columns = views(name)
    want = loss(*columns)
    want_parts = dict(loss.last_parts)
    got = loss.gathered(*columns, gather=OneProcess())
    assert torch.equal(got, want)
    assert loss.last_parts.keys() == want_parts.keys()
    assert all(torch.equal(loss.last_parts[k], v) for k, v in want_parts.items())


@pytest.mark.parametrize("name", REFUSED)
def test_a_loss_without_a_gathered_form_is_refused_before_training(name, monkeypatch) -> None:
    config = TrainConfig(loss=name, data_kind="sentences")
    check_parallel_config(config, 1)  # one process: fine
    with pytest.raises(CselabError, match=f"'loss' = '{name}'.*cannot be gathered"):
        check_parallel_config(config, 2)
    monkeypatch.setattr("cselab.training.distributed.get_world_size", lambda: 2)
    with pytest.raises(CselabError, match="train it on one process"):
        GatheredLoss(build(name))


def test_a_missing_declaration_is_named_never_defaulted() -> None:
    class Undeclared(Loss):  # forgot in_batch, gatherable, ...
        def loss_and_parts(self, anchor, positive, negative):
            return (anchor - positive).pow(2).mean(), {}

    with pytest.raises(CselabError, match="'Undeclared' does not declare 'in_batch'"):
        check_declarations(Undeclared)
    assert "declares no gathered form" in str(multi_process_problem(Undeclared))

    class Declared(TwoViewLoss):
        loss_and_parts = Undeclared.loss_and_parts

    assert check_declarations(Declared) is Declared
    with_parameters = Declared()
    with_parameters.scale = nn.Parameter(torch.ones(1))
    assert "trainable parameters" in str(multi_process_problem(with_parameters))


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory) -> list[dict]:
    """One torchrun launch, two gloo ranks, every gatherable loss."""
    out = tmp_path_factory.mktemp("contract")
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        str(Path(worker.__file__)), str(out),
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    done = subprocess.run(command, env=env, capture_output=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr.decode()[-4000:]
    return [torch.load(out / f"rank{r}.pt", weights_only=True) for r in range(worker.WORLD)]


def one_process(name: str, hard: bool) -> tuple[float, dict[str, float], list[torch.Tensor]]:
    """The reference: the plain loss of the whole batch in this process."""
    model, (a, p, n) = worker.encoder(), worker.batch()
    loss = LOSSES[name]()
    value = loss(model(a), model(p), model(n) if hard else None)
    value.backward()
    parts = {key: float(part) for key, part in loss.last_parts.items()}
    return float(value.detach()), parts, [param.grad.clone() for param in model.parameters()]


def test_every_gatherable_loss_has_a_two_process_case() -> None:
    assert {name for name, _ in worker.cases()} == set(GATHERABLE)
    assert len(GATHERABLE) >= 15  # all but BYOL when written


@pytest.mark.slow
@pytest.mark.parametrize("name,hard", worker.cases())
def test_two_processes_equal_one_process(two_ranks, name: str, hard: bool) -> None:
    want_value, want_parts, want_grads = one_process(name, hard)
    assert any(float(g.abs().max()) > 1e-6 for g in want_grads)  # not a vacuous comparison
    for rank in two_ranks:
        value, parts, grads = rank[f"{name}/{hard}"]
        assert value == pytest.approx(want_value, rel=1e-10, abs=1e-12)
        assert parts.keys() == want_parts.keys()
        for key, expected in want_parts.items():
            assert parts[key] == pytest.approx(expected, rel=1e-10, abs=1e-12), key
        for got, want in zip(grads, want_grads, strict=True):
            torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.slow
def test_batch_statistics_of_local_rows_are_not_the_whole_batch(two_ranks) -> None:
    """Negative control: without its gathered form VICReg would train on other numbers."""
    want_value, _, want_grads = one_process("vicreg", False)
    value, _, grads = two_ranks[0]["vicreg/local_only"]
    assert value != pytest.approx(want_value, rel=1e-3)
    assert any(not torch.allclose(g, w, rtol=1e-3) for g, w in zip(grads, want_grads, strict=True))
