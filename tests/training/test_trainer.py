"""Training on the tiny BERT: loss goes down, checkpoints reload, resume is exact."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import torch
from safetensors.torch import load_file
from sentence_transformers import SentenceTransformer

from cselab.models.pooling import st_pooling_mode
from cselab.models.tiny import build_tiny_bert
from cselab.training.checkpoints import list_checkpoints, load_trainer_state
from cselab.training.trainer import train


def weights(checkpoint: Path) -> dict[str, torch.Tensor]:
    return load_file(str(checkpoint / "model.safetensors"))


def assert_same_weights(a: Path, b: Path, atol: float = 1e-6) -> None:
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    for key in wa:
        torch.testing.assert_close(wa[key], wb[key], atol=atol, rtol=1e-5, msg=key)


def test_training_lowers_the_loss(make_config) -> None:
    result = train(make_config(max_steps=30, probe_every=5, checkpoint_every=30))
    table = pd.read_csv(result.run_dir / "metrics.csv")
    loss = table[table["metric"] == "train_loss"].sort_values("step")["value"].to_numpy()
    assert len(loss) == 6
    assert loss[-1] < 0.5 * loss[0]
    assert set(table["run"]) == {"run"}
    assert {"probe_seconds", "learning_rate", "loss/positive_similarity"} <= set(table["metric"])


def test_checkpoint_reloads_and_encodes_identically(make_config) -> None:
    result = train(make_config(max_steps=4, checkpoint_every=2, pooling="cls"))
    steps = [step for step, _ in list_checkpoints(result.run_dir)]
    assert steps == [2, 4]
    path = result.run_dir / "checkpoints" / "step-000004"
    reloaded = SentenceTransformer(str(path), device="cpu")
    assert st_pooling_mode(reloaded) == "cls"  # the pooling it was trained with
    sentences = ["a cat reads a book.", "the river is wide and cold."]
    result.model.eval()
    torch.testing.assert_close(
        reloaded.encode(sentences, convert_to_tensor=True),
        result.model.encode(sentences, convert_to_tensor=True),
    )
    state = load_trainer_state(path)  # weights_only=True
    assert state["step"] == 4 and "rng" in state and "scheduler" in state
    assert "optimizer" in state  # a finished run may be continued to more steps
    again = train(make_config(max_steps=4, checkpoint_every=2, pooling="cls"))
    assert again.resumed_from == 4  # a finished run is left as it is
    assert (path / "config.yaml").is_file()


def test_resume_after_losing_later_checkpoints_is_exact(make_config, tmp_path: Path) -> None:
    probes = dict(probe_every=2, probe_gradients=False, probe_geometry=False)
    full = train(make_config(output_dir=str(tmp_path / "full"), **probes))
    part = make_config(output_dir=str(tmp_path / "part"), **probes)
    train(part)
    # simulate a crash after step 3: drop the final checkpoint, leave a torn temp dir
    final = Path(part.output_dir) / "checkpoints" / "step-000006"
    shutil.rmtree(final)
    (final.parent / "step-000006.tmp").mkdir()
    resumed = train(part)
    assert resumed.resumed_from == 3
    summary = json.loads((Path(part.output_dir) / "summary.json").read_text(encoding="utf-8"))
    assert [s["start_step"] for s in summary["sessions"]] == [
        0,
        3,
    ]  # the first session, then the resumption
    assert summary["versions"]["torch"] == torch.__version__
    assert_same_weights(full.run_dir / "checkpoints" / "step-000006", final)
    table = pd.read_csv(Path(part.output_dir) / "metrics.csv")
    assert not table.duplicated(["step", "metric", "layer"]).any()
    reference = pd.read_csv(full.run_dir / "metrics.csv")
    merge = ["step", "metric"]
    joined = reference.merge(table, on=merge, suffixes=("_full", "_resumed"))
    loss = joined[joined["metric"] == "train_loss"]
    assert len(loss) == 3
    torch.testing.assert_close(
        torch.tensor(loss["value_full"].to_numpy()), torch.tensor(loss["value_resumed"].to_numpy())
    )


def test_gradcache_gives_the_same_training(make_config, tmp_path: Path) -> None:
    model = build_tiny_bert(tmp_path / "no_dropout", dropout=0.0)
    plain = train(make_config(model=str(model), output_dir=str(tmp_path / "a"), max_steps=3))
    cached = train(
        make_config(
            model=str(model), output_dir=str(tmp_path / "b"), max_steps=3, gradcache_mini_batch=3
        )
    )
    assert_same_weights(
        plain.run_dir / "checkpoints" / "step-000003",
        cached.run_dir / "checkpoints" / "step-000003",
        atol=1e-5,
    )


def test_probes_record_sts_spearman(make_config, stsb_dir: Path, tmp_path: Path) -> None:
    dev = tmp_path / "sts-dev.csv"  # the first 60 STS-B dev pairs (fast)
    lines = (stsb_dir / "sts-dev.csv").read_text(encoding="utf-8").splitlines()[:60]
    dev.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = train(make_config(max_steps=2, probe_every=2, dev_data=str(dev)))
    table = pd.read_csv(result.run_dir / "metrics.csv")
    spearman = table[table["metric"] == "sts_dev_spearman"]
    assert list(spearman["step"]) == [0, 2]
    assert spearman["value"].between(-100, 100).all()


def test_geometry_probes_per_layer(make_config, sentences_file: Path) -> None:
    result = train(
        make_config(
            max_steps=2, probe_every=2, probe_geometry=True, probe_corpus=str(sentences_file)
        )
    )
    table = pd.read_csv(result.run_dir / "metrics.csv")
    aniso = table[table["metric"] == "anisotropy"]
    assert sorted(set(aniso["layer"])) == [0, 1, 2]  # input embeddings + 2 layers
    assert sorted(set(aniso["step"])) == [0, 2]
    assert {
        "l2_norm",
        "self_similarity_adjusted",
        "intra_sentence_similarity_adjusted",
    } <= set(table["metric"])


def test_gradient_part_probes(make_config) -> None:
    result = train(make_config(max_steps=2, probe_every=2, probe_gradients=True))
    table = pd.read_csv(result.run_dir / "metrics.csv")
    grads = table[table["metric"].str.startswith("grad/")]
    assert not grads.empty and sorted(set(grads["step"])) == [0, 2]


def test_tensorboard_gets_the_same_rows(make_config) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    result = train(make_config(max_steps=2, probe_every=1, tensorboard=True))
    events = EventAccumulator(str(result.run_dir / "tensorboard"))
    events.Reload()
    logged = {event.step: event.value for event in events.Scalars("train_loss")}
    table = pd.read_csv(result.run_dir / "metrics.csv")
    loss = table[table["metric"] == "train_loss"].set_index("step")["value"]
    assert sorted(logged) == [1, 2]
    for step, value in logged.items():
        assert value == pytest.approx(loss[step], rel=1e-6)
