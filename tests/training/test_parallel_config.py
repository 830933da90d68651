"""What several processes cannot train is refused before anything starts, naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from cselab.errors import CselabError
from cselab.training.distributed import DistributedEnv
from cselab.training.parallel import Processes, check_parallel_config, rank_device
from cselab.training.trainer import train

TWO_RANKS = {
    "WORLD_SIZE": "2",
    "RANK": "0",
    "LOCAL_RANK": "0",
    "MASTER_ADDR": "127.0.0.1",
    "MASTER_PORT": "29999",
}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"loss": "byol"}, "'loss' = 'byol'.*cannot be gathered across WORLD_SIZE=2"),
        ({"batch_size": 7}, "'batch_size' = 7: is the global batch.*divisible by WORLD_SIZE=2"),
    ],
)
def test_train_under_torchrun_refuses_before_starting(
    make_config, monkeypatch, changes, message
) -> None:
    for name, value in TWO_RANKS.items():
        monkeypatch.setenv(name, value)
    config = make_config(**changes)
    with pytest.raises(CselabError, match=message):
        train(config)  # fails before joining a process group (nothing listens on the port)
    assert not Path(config.output_dir).exists()


def test_gatherable_and_local_losses_pass(make_config) -> None:
    check_parallel_config(make_config(loss="info_nce"), 2)
    check_parallel_config(make_config(loss="symmetric_info_nce"), 4)
    check_parallel_config(make_config(loss="triplet", data_kind="triplets"), 2)
    check_parallel_config(make_config(loss="arccon"), 2)  # its anchors vs gathered candidates
    check_parallel_config(make_config(loss="vicreg"), 2)  # the whole batch on every process
    check_parallel_config(make_config(loss="arccon", batch_size=7), 1)  # one process: anything


def test_one_process_is_the_identity() -> None:
    procs = Processes(DistributedEnv())
    batch = list(range(6))
    assert procs.shard(batch) == batch
    assert procs.mean([1.5, 2.0]) == [1.5, 2.0]
    assert procs.gather("x") == ["x"]
    procs.agree(3, "the step")  # nothing to disagree with
    assert rank_device("cuda", DistributedEnv(1, 2, 1)) == "cuda:1"
    assert rank_device("cpu", DistributedEnv(1, 2, 1)) == "cpu"
    assert rank_device("cuda", DistributedEnv()) == "cuda"
