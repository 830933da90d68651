"""Training fixtures: small synthetic data files and a config factory on the tiny BERT."""

from __future__ import annotations

from pathlib import Path

import pytest

from cselab.training.config import TrainConfig

SUBJECTS = ["the cat", "a dog", "my friend", "the teacher", "an old man", "the child"]
VERBS = ["reads", "paints", "sees", "finds", "likes", "opens"]
OBJECTS = ["a book", "the door", "a red car", "the river", "some bread"]


def make_sentences() -> list[str]:
    return [f"{s} {v} {o}." for s in SUBJECTS for v in VERBS for o in OBJECTS]  # 180 distinct


@pytest.fixture
def sentences_file(tmp_path: Path) -> Path:
    path = tmp_path / "sentences.txt"
    path.write_text("\n".join(make_sentences()) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def make_config(tiny_model_dir: Path, sentences_file: Path, tmp_path: Path):
    """A fast config: unsupervised SimCSE on the tiny BERT; keyword arguments override."""

    def factory(**changes) -> TrainConfig:
        values = dict(
            model=str(tiny_model_dir),
            loss="info_nce",
            data=str(sentences_file),
            data_kind="sentences",
            batch_size=8,
            learning_rate=1e-3,
            max_steps=6,
            checkpoint_every=3,
            probe_every=None,
            probe_geometry=False,
            max_seq_length=32,
            output_dir=str(tmp_path / "run"),
            progress=False,
        )
        values.update(changes)
        return TrainConfig(**values)

    return factory
