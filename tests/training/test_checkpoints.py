"""Checkpoint folders: a damaged one is named, never silently skipped; old ones are pruned
whole."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from cselab.errors import CselabError
from cselab.training.checkpoints import (
    REQUIRED_STATE,
    checkpoint_dir,
    list_checkpoints,
    load_trainer_state,
    prune_checkpoints,
    save_checkpoint,
)


class _Model:
    """Stands in for a SentenceTransformer: ``save`` writes one file."""

    def save(self, path: str) -> None:
        (Path(path) / "model.safetensors").write_bytes(b"weights")


def _state(step: int) -> dict:
    return {name: step if name == "step" else {} for name in REQUIRED_STATE}


def test_pruning_keeps_the_newest_whole_checkpoints(tmp_path: Path) -> None:
    for step in (2, 4, 6):
        save_checkpoint(tmp_path, step, _Model(), _state(step), "loss: x\n")
        prune_checkpoints(tmp_path, keep=2)
    assert [step for step, _ in list_checkpoints(tmp_path)] == [4, 6]
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == [
        "step-000004",
        "step-000006",
    ]  # nothing half-deleted left beside them
    assert load_trainer_state(checkpoint_dir(tmp_path, 6))["step"] == 6


def test_a_checkpoint_without_its_state_is_an_error(tmp_path: Path) -> None:
    save_checkpoint(tmp_path, 2, _Model(), _state(2), "loss: x\n")
    (checkpoint_dir(tmp_path, 2) / "trainer_state.pt").unlink()
    with pytest.raises(CselabError, match="step-000002' has no trainer_state.pt: it is damaged"):
        list_checkpoints(tmp_path)


def test_a_state_without_its_parts_is_an_error(tmp_path: Path) -> None:
    save_checkpoint(tmp_path, 2, _Model(), _state(2), "loss: x\n")
    state = _state(2)
    del state["scheduler"]
    torch.save(state, checkpoint_dir(tmp_path, 2) / "trainer_state.pt")
    with pytest.raises(CselabError, match=r"lacks \['scheduler'\]"):
        load_trainer_state(checkpoint_dir(tmp_path, 2))


def test_pruning_spares_protected_steps_and_keep_none_keeps_all(tmp_path: Path) -> None:
    for step in (2, 4, 6, 8):
        save_checkpoint(tmp_path, step, _Model(), _state(step), "loss: x\n")
    assert prune_checkpoints(tmp_path, keep=None) == []
    assert prune_checkpoints(tmp_path, keep=2, protect=frozenset({2})) == [4]
    assert [step for step, _ in list_checkpoints(tmp_path)] == [2, 6, 8]
    assert prune_checkpoints(tmp_path, keep=1) == [2, 6]


def test_a_corrupted_state_is_named_damaged_without_suggesting_unsafe_loading(
    tmp_path: Path,
) -> None:
    save_checkpoint(tmp_path, 4, _Model(), _state(4), "loss: x\n")
    state = checkpoint_dir(tmp_path, 4) / "trainer_state.pt"
    state.write_text("x\n")  # echo x > RUN/checkpoints/step-000004/trainer_state.pt
    with pytest.raises(CselabError) as error:
        load_trainer_state(checkpoint_dir(tmp_path, 4))
    message = str(error.value)
    assert message.startswith(f"checkpoint state {str(state)!r} is damaged")
    assert "weights_only" not in message and "\n" not in message
