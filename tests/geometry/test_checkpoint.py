"""Checkpoints: written atomically, refused when they belong to another analysis."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from cselab.errors import CselabError
from cselab.geometry.checkpoint import (
    checkpoint_path,
    load_checkpoint,
    remove_checkpoint,
    save_checkpoint,
)

RUN = {"plan": {"families": ["anisotropy"]}, "model": "m", "corpus": "c", "world": 1}


def test_round_trip_refusal_and_removal(tmp_path: Path) -> None:
    path = checkpoint_path(tmp_path, rank=1)
    assert path == tmp_path / "geometry-checkpoint" / "rank-1.pt"
    assert load_checkpoint(path, RUN) is None
    state = {"statistics": {"token": {"moments": {"n": 3, "unit_sum": torch.ones(2, 4)}}}}
    save_checkpoint(path, state, 7, RUN)
    assert not path.with_name(path.name + ".tmp").exists()
    loaded, batches = load_checkpoint(path, RUN)  # type: ignore[misc]
    assert batches == 7 and torch.equal(loaded["statistics"]["token"]["moments"]["unit_sum"],
                                        torch.ones(2, 4))  # fmt: skip
    with pytest.raises(
        CselabError, match=r"belongs to another analysis \(different corpus, world\)"
    ):
        load_checkpoint(path, {**RUN, "corpus": "other", "world": 2})
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(CselabError, match="rank-1.pt' cannot be read"):
        load_checkpoint(path, RUN)
    remove_checkpoint(path)
    assert not path.parent.exists()
