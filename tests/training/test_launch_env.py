"""Rank, world size and local rank from torchrun's environment variables, checked."""

from __future__ import annotations

import pytest

from cselab.errors import CselabError
from cselab.training.launch_env import read_env


def test_read_env_names_the_bad_variable():
    base = {"WORLD_SIZE": "2", "RANK": "1", "MASTER_ADDR": "10.0.0.1", "MASTER_PORT": "29500"}
    env = read_env(base)
    assert (env.rank, env.world_size, env.local_rank, env.is_main) == (1, 2, 1, False)
    assert read_env({}).world_size == 1
    with pytest.raises(CselabError, match="RANK='x' is not an integer"):
        read_env({**base, "RANK": "x"})
    with pytest.raises(CselabError, match="RANK=2 must be < WORLD_SIZE=2"):
        read_env({**base, "RANK": "2"})
    with pytest.raises(CselabError, match="MASTER_ADDR is not set"):
        read_env({k: v for k, v in base.items() if k != "MASTER_ADDR"})
    with pytest.raises(CselabError, match="environment variable RANK is not set"):
        read_env({"WORLD_SIZE": "2"})
