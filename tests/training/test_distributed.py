"""Two gloo CPU processes must give the loss and gradients of one process with the whole batch.

The workers wrap a small float64 encoder in DistributedDataParallel (which averages the
gradients over ranks), compute the loss of their local anchors against candidates gathered
from both ranks, and save what they got; the test compares with the plain loss of the whole
batch in this process. A negative control shows that the popular "keep only the local
slot's graph" gather would not be exact.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from cselab.errors import CselabError
from cselab.losses import LOSSES
from cselab.losses.info_nce import info_nce_loss
from cselab.training.distributed import (
    GatheredLoss,
    all_reduce_mean,
    gather_candidates,
    gather_with_grad,
    get_rank,
    get_world_size,
    init_distributed,
    shard_batch,
    teardown_distributed,
)
from cselab.training.gradcache import gradcache_step

WORLD, LOCAL_BATCH, DIM_IN = 2, 3, 8
# (case name, loss name, uses hard negatives, GradCache mini-batch size or None)
CASES = [
    ("info_nce", "info_nce", False, None),
    ("info_nce_hard", "info_nce", True, None),
    ("symmetric", "symmetric_info_nce", False, None),
    ("symmetric_hard", "symmetric_info_nce", True, None),
    ("triplet", "triplet", True, None),
    ("info_nce_hard_gradcache", "info_nce", True, 2),
]


def _encoder() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(DIM_IN, 6), nn.Tanh(), nn.Linear(6, 5)).double()


def _data() -> list[torch.Tensor]:
    """Anchor, positive, negative inputs of the whole batch (WORLD·LOCAL_BATCH rows each)."""
    generator = torch.Generator().manual_seed(1)
    return [torch.randn(WORLD * LOCAL_BATCH, DIM_IN, generator=generator).double() for _ in "apn"]


def _loss(name: str) -> nn.Module:
    return LOSSES[name](temperature=0.5) if "info_nce" in name else LOSSES[name]()


def _single_process(loss_name: str, hard: bool) -> tuple[float, list[torch.Tensor]]:
    """The reference: one process, the whole batch, the plain loss module."""
    model, (a, p, n) = _encoder(), _data()
    loss = _loss(loss_name)(model(a), model(p), model(n) if hard else None)
    loss.backward()
    return float(loss.detach()), [param.grad.clone() for param in model.parameters()]


def _local_slot_only_loss(anchor, positive, negative) -> torch.Tensor:
    """The shortcut: no-grad all_gather, local slot replaced by the local tensor."""

    def gather(x):
        parts = [torch.empty_like(x) for _ in range(get_world_size())]
        dist.all_gather(parts, x.detach())
        parts[get_rank()] = x
        return torch.cat(parts)

    candidates = torch.cat([gather(positive), gather(negative)])
    labels = torch.arange(LOCAL_BATCH) + get_rank() * LOCAL_BATCH
    return info_nce_loss(anchor, candidates, labels, temperature=0.5)


def _worker(rank: int, port: int, out_dir: str) -> None:
    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        RANK=str(rank),
        WORLD_SIZE=str(WORLD),
        LOCAL_RANK=str(rank),
    )
    torch.set_num_threads(1)
    env = init_distributed("cpu", timeout_s=60)
    results: dict[str, object] = {"env": (env.rank, env.world_size, env.local_rank)}
    rows = shard_batch(range(WORLD * LOCAL_BATCH), rank, WORLD)  # this rank's examples
    for case, loss_name, hard, mini_batch in CASES + [("local_slot_only", "", True, None)]:
        model = DistributedDataParallel(_encoder())
        a, p, n = (x[rows] for x in _data())
        columns = [a, p, n] if hard else [a, p]
        if case == "local_slot_only":
            loss = _local_slot_only_loss(model(a), model(p), model(n))
            loss.backward()
        elif mini_batch is None:
            loss = GatheredLoss(_loss(loss_name))(*(model(x) for x in columns))
            loss.backward()
        else:
            loss = gradcache_step(
                model,
                columns,
                GatheredLoss(_loss(loss_name)),
                mini_batch_size=mini_batch,
                no_sync=model.no_sync,
            )
        grads = [param.grad.clone() for param in model.parameters()]
        results[case] = (float(all_reduce_mean(loss)), grads)
    candidates, labels = gather_candidates(a, n)  # labels point at positives, not negatives
    results["labels"] = (labels.tolist(), torch.equal(candidates[labels], a))
    results["rows"] = candidates.shape[0]
    torch.save(results, Path(out_dir) / f"rank{rank}.pt")
    teardown_distributed()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_workers(out: Path) -> None:
    """Both workers on a fresh port, bounded to 90 s; a worker's exception propagates."""
    context = mp.spawn(_worker, args=(_free_port(), str(out)), nprocs=WORLD, join=False)
    deadline = time.monotonic() + 90
    while not context.join(timeout=1):
        if time.monotonic() > deadline:
            for process in context.processes:
                process.kill()
            pytest.fail("the two gloo workers did not finish within 90 s")


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory) -> list[dict]:
    """Run both workers once and load what each rank saved. The free port is chosen before
    the workers bind it, so another process can take it in between: a start that fails is
    tried once more on a new port (a real fault fails both times, and the second error is
    raised with the first one's message attached)."""
    out = tmp_path_factory.mktemp("ddp")
    try:
        _run_workers(out)
    except mp.ProcessRaisedException as first:
        try:
            _run_workers(out)
        except mp.ProcessRaisedException as second:
            raise second from first
    return [torch.load(out / f"rank{r}.pt", weights_only=True) for r in range(WORLD)]


@pytest.mark.slow
@pytest.mark.parametrize("case,loss_name,hard,mini_batch", CASES)
def test_two_processes_equal_one_process(two_ranks, case, loss_name, hard, mini_batch):
    want_loss, want_grads = _single_process(loss_name, hard)
    for rank in two_ranks:
        got_loss, got_grads = rank[case]
        assert got_loss == pytest.approx(want_loss, rel=1e-12)
        for got, want in zip(got_grads, want_grads, strict=True):
            assert torch.allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.slow
def test_local_slot_only_gather_is_not_exact(two_ranks):
    """Negative control: dropping the other ranks' gradients changes the result."""
    _, want_grads = _single_process("info_nce", True)
    _, got_grads = two_ranks[0]["local_slot_only"]
    assert any(
        not torch.allclose(g, w, rtol=1e-4) for g, w in zip(got_grads, want_grads, strict=True)
    )


@pytest.mark.slow
def test_env_and_labels_on_each_rank(two_ranks):
    for rank, result in enumerate(two_ranks):
        assert result["env"] == (rank, WORLD, rank)
        labels, positives_found = result["labels"]
        assert labels == [rank * LOCAL_BATCH + i for i in range(LOCAL_BATCH)]
        assert positives_found
        assert result["rows"] == 2 * WORLD * LOCAL_BATCH


def test_single_process_fallbacks():
    x = torch.randn(4, 3)
    assert get_rank() == 0 and get_world_size() == 1
    assert gather_with_grad(x) is x
    candidates, labels = gather_candidates(x, x + 1)
    assert candidates.shape == (8, 3) and labels.tolist() == [0, 1, 2, 3]
    loss = LOSSES["info_nce"]()
    a, p = torch.randn(4, 3), torch.randn(4, 3)
    assert torch.equal(GatheredLoss(loss)(a, p), loss(a, p))
    assert init_distributed("cpu").world_size == 1  # WORLD_SIZE unset here


def test_gathered_loss_refuses_in_batch_losses_it_cannot_gather(monkeypatch):
    class BatchStatisticsLoss(nn.Module):
        in_batch = True

    GatheredLoss(BatchStatisticsLoss())  # one process: any loss is fine
    monkeypatch.setattr("cselab.training.distributed.get_world_size", lambda: 2)
    GatheredLoss(LOSSES["triplet"]())  # per-example loss: computed locally
    with pytest.raises(CselabError, match="BatchStatisticsLoss uses in-batch negatives"):
        GatheredLoss(BatchStatisticsLoss())


def test_shard_batch_splits_the_global_batch_in_rank_order():
    batch = list(range(6))
    assert [shard_batch(batch, r, 2) for r in range(2)] == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(
        CselabError, match="batch_size 6 is not divisible by the number of processes 4"
    ):
        shard_batch(batch, 0, 4)
