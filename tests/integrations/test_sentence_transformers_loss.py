"""CselabLoss inside SentenceTransformerTrainer: the value of cselab's trainer on the same
batch, a 5-step run that completes and saves, BYOL's target updated by the callback, and
bad datasets refused with one line."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from conftest import STEPS, sentences, st_arguments

from cselab.data.pairs import Pair, Triplet
from cselab.errors import CselabError
from cselab.integrations.sentence_transformers import CselabLoss
from cselab.training.step import loss_and_backward, tokenized_columns


def st_trainer(model, loss, rows: dict[str, list], tmp_path: Path, **changes):
    from datasets import Dataset
    from sentence_transformers import SentenceTransformerTrainer

    args = st_arguments(tmp_path, eval_strategy="no", save_strategy="no", **changes)
    data = Dataset.from_dict(rows)
    return SentenceTransformerTrainer(model=model, args=args, train_dataset=data, loss=loss), data


@pytest.mark.parametrize(
    "name,params,hard",
    [("info_nce", {"temperature": 0.1}, False), ("arccon", {"margin_degrees": 5.0}, True),
     ("triplet", {}, True), ("vicreg", {}, False)],
)  # fmt: skip
def test_value_equals_cselab_trainers_on_the_same_batch(
    tiny_model_dir, tmp_path, name, params, hard
) -> None:
    from sentence_transformers import SentenceTransformer

    texts = sentences()
    rows = {"anchor": texts[:6], "positive": texts[6:12]}
    if hard:
        rows["negative"] = texts[12:18]
    model = SentenceTransformer(str(tiny_model_dir), device="cpu")
    model.train()  # dropout on: both sides draw the same masks from the same seed
    adapter = CselabLoss(model, name, **params)
    trainer, data = st_trainer(model, adapter, rows, tmp_path)
    inputs = trainer.data_collator([data[i] for i in range(len(data))])
    torch.manual_seed(7)
    got = trainer.compute_loss(model, inputs)
    got_parts = {k: float(v) for k, v in adapter.last_parts.items()}

    batch = [Triplet(*r) if hard else Pair(*r) for r in zip(*rows.values(), strict=True)]
    torch.manual_seed(7)
    want = loss_and_backward(model, adapter.loss, tokenized_columns(model, batch), None)
    assert float(got.detach()) == pytest.approx(float(want), rel=1e-6)
    assert got_parts == pytest.approx({k: float(v) for k, v in adapter.last_parts.items()})
    torch.manual_seed(8)  # another seed draws other dropout masks: the comparison can fail
    assert float(trainer.compute_loss(model, inputs).detach()) != pytest.approx(
        float(want), rel=1e-6
    )


def test_a_five_step_run_completes_and_saves(st_run) -> None:
    from sentence_transformers import SentenceTransformer

    losses = [row["loss"] for row in st_run.trainer.state.log_history if "loss" in row]
    assert len(losses) == STEPS and all(value == value for value in losses)  # finite, logged
    saved = st_run.output_dir / f"checkpoint-{STEPS}"
    assert (saved / "model.safetensors").is_file()
    reloaded = SentenceTransformer(str(saved), device="cpu")
    st_run.model.eval()
    torch.testing.assert_close(
        reloaded.encode(["a cat reads."], convert_to_tensor=True),
        st_run.model.encode(["a cat reads."], convert_to_tensor=True),
    )
    assert st_run.loss.get_config_dict()["cselab_loss"] == "arccon"


def test_byol_target_follows_the_callback(tiny_model_dir, tmp_path) -> None:
    from sentence_transformers import SentenceTransformer

    texts = sentences()[:16]
    model = SentenceTransformer(str(tiny_model_dir), device="cpu")
    loss = CselabLoss(model, "byol", hidden_size=16, ema_decay=0.9)
    trainer, _ = st_trainer(model, loss, {"anchor": texts, "positive": texts}, tmp_path,
                            max_steps=1)  # fmt: skip
    with pytest.raises(CselabError, match=r"callbacks=\[loss.trainer_callback\]"):
        trainer.train()
    loss = CselabLoss(model, "byol", hidden_size=16, ema_decay=0.9)  # target = the model now
    before = {k: v.clone() for k, v in model.state_dict().items()}
    trainer, _ = st_trainer(model, loss, {"anchor": texts, "positive": texts}, tmp_path,
                            max_steps=1)  # fmt: skip
    trainer.add_callback(loss.trainer_callback)
    predictor = {k: v.clone() for k, v in loss.loss.predictor.state_dict().items()}
    trainer.train()
    after, target = model.state_dict(), loss.loss.target.state_dict()
    moved = [k for k in before if k.endswith("weight") and not torch.equal(before[k], after[k])]
    assert moved  # the online encoder trained
    for key in moved:  # ξ ← 0.9 ξ + 0.1 θ after the one optimizer step
        torch.testing.assert_close(target[key], 0.9 * before[key] + 0.1 * after[key])
    trained = loss.loss.predictor.state_dict()  # the trainer's optimizer has the predictor
    assert any(not torch.equal(trained[k], v) for k, v in predictor.items() if "weight" in k)


def test_bad_datasets_are_refused_with_one_line(tiny_model_dir, tmp_path) -> None:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(tiny_model_dir), device="cpu")
    texts = sentences()[:8]
    cases = [
        ("info_nce", {"anchor": texts, "positive": texts, "score": [1.0] * 8}, "label/score"),
        ("triplet", {"anchor": texts, "positive": texts}, "needs hard negatives"),
        ("vicreg", {"anchor": texts, "positive": texts, "negative": texts}, "no hard negatives"),
        ("info_nce", {c: texts for c in ("a", "b", "c", "d")}, "take 2 or 3 columns"),
    ]
    for name, rows, message in cases:
        trainer, data = st_trainer(model, CselabLoss(model, name), rows, tmp_path)
        inputs = trainer.data_collator([data[i] for i in range(len(data))])
        with pytest.raises(CselabError, match=message):
            trainer.compute_loss(model, inputs)
    with pytest.raises(CselabError, match="unknown loss 'infonce'"):
        CselabLoss(model, "infonce")
    with pytest.raises(CselabError, match="'arccon' rejects the arguments"):
        CselabLoss(model, "arccon", margin=0.2)
