"""The loss, learning rate and gradient norm are logged every ``log_every`` steps into the
run's table and TensorBoard, not only at probes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch

from cselab.losses import LOSSES
from cselab.models.loading import load_model
from cselab.models.tiny import build_tiny_bert
from cselab.training.data import read_training_data
from cselab.training.trainer import plan_steps, train


def test_training_rows_every_log_every_steps_and_in_tensorboard(make_config) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    result = train(make_config(max_steps=5, log_every=2, probe_every=None, tensorboard=True))
    table = pd.read_csv(result.run_dir / "metrics.csv")
    for metric in ("train_loss", "learning_rate", "grad_norm", "loss/positive_similarity"):
        assert sorted(table[table["metric"] == metric]["step"]) == [2, 4, 5], metric
    assert "skipped_steps" not in set(table["metric"])  # counted under nan_policy: skip only
    events = EventAccumulator(str(result.run_dir / "tensorboard"))
    events.Reload()
    for metric in ("train_loss", "learning_rate", "grad_norm"):
        logged = {event.step: event.value for event in events.Scalars(metric)}
        values = table[table["metric"] == metric].set_index("step")["value"]
        assert sorted(logged) == [2, 4, 5]
        for step, value in logged.items():
            assert value == pytest.approx(values[step], rel=1e-6), (metric, step)


def test_the_logged_gradient_norm_is_the_first_steps(make_config, tmp_path: Path) -> None:
    model_dir = build_tiny_bert(tmp_path / "no_dropout", dropout=0.0)
    config = make_config(model=str(model_dir), max_steps=1, log_every=1, max_grad_norm=1.0)
    result = train(config)
    table = pd.read_csv(result.run_dir / "metrics.csv").set_index("metric")["value"]

    # the same batch by hand: one forward per column, InfoNCE, autograd, global L2 norm
    examples = read_training_data(config.data, config.data_kind)
    batch = [examples[i] for i in plan_steps(examples, config)[0]]
    model = load_model(str(model_dir), device="cpu", max_seq_length=config.max_seq_length)
    model.train()
    views = []
    for texts in ([e.anchor for e in batch], [e.positive for e in batch]):
        views.append(model(model.preprocess(texts))["sentence_embedding"])
    loss = LOSSES["info_nce"]()(*views)
    loss.backward()
    norm = torch.sqrt(sum(p.grad.pow(2).sum() for p in model.parameters() if p.grad is not None))
    assert table["train_loss"] == pytest.approx(float(loss.detach()), rel=1e-5)
    assert table["grad_norm"] == pytest.approx(float(norm), rel=1e-4)  # before clipping to 1
    assert float(norm) > 1.0
