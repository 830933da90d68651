"""Fixtures of the fault-injection suite: tiny inputs for every command, the injector,
and an in-process ``cselab`` runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from fault_commands import Inputs, run_cselab, run_rows
from fault_injection import Faults
from fault_training import reference_runs

import cselab.resources
from cselab.results.table import make_table, write_table
from cselab.training.config import TrainConfig, save_config

#: The shipped corpus, first lines: the geometry corpus (6) and the training data (40).
SHIPPED_CORPUS = Path(cselab.resources.__file__).with_name("default_corpus.txt")
SHIPPED = SHIPPED_CORPUS.read_text(encoding="utf-8").splitlines()
PAIRS = [
    ("A man plays the guitar.", "A man plays a guitar.", 5.0),
    ("A man plays chess.", "Someone plays a flute.", 1.5),
    ("A woman plays golf.", "A woman plays tennis.", 2.0),
    ("A child plays the piano.", "A kid plays the piano.", 4.5),
    ("A man plays cards.", "A dog plays football.", 0.5),
]


@pytest.fixture(scope="session")
def fault_inputs(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    root = tmp_path_factory.mktemp("fault_inputs")
    corpus = root / "corpus.txt"
    corpus.write_text("\n".join(SHIPPED[:6]) + "\n", encoding="utf-8")
    sentences = root / "sentences.txt"
    sentences.write_text("\n".join(SHIPPED[:40]) + "\n", encoding="utf-8")
    pairs = root / "pairs.tsv"
    rows = ["sentence1\tsentence2\tscore"] + [f"{a}\t{b}\t{s}" for a, b, s in PAIRS]
    pairs.write_text("\n".join(rows) + "\n", encoding="utf-8")
    run = root / "run-a"
    write_table(make_table(run_rows()), run / "metrics.csv")
    config = TrainConfig(
        model=str(tiny_model_dir), loss="info_nce", data=str(sentences), data_kind="sentences",
        batch_size=8, max_steps=4, checkpoint_every=2, probe_every=1, probe_geometry=False,
        max_seq_length=16, output_dir=str(root / "unused"), progress=False,
    )  # fmt: skip
    sweep_config = save_config(config, root / "base.yaml")
    return Inputs(tiny_model_dir, corpus, sentences, pairs, run, sweep_config)


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch):
    injector = Faults(monkeypatch)
    yield injector
    injector.undo()


@pytest.fixture
def cselab(capsys):
    """``cselab(args)`` runs the CLI in this process and returns an Outcome."""
    return lambda args: run_cselab([str(a) for a in args], capsys)


@pytest.fixture(scope="session")
def references(fault_inputs: Inputs, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Runs of `cselab train` and `cselab sweep` without fault (command -> run folder)."""
    return reference_runs(fault_inputs, tmp_path_factory.mktemp("references"))
