"""A 5-step SentenceTransformerTrainer run on the tiny BERT with a cselab loss and evaluator,
shared by the integration tests (one run: the machine has 2 CPU cores)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from cselab.data.sts import read_stsbenchmark

STEPS = 5


def sentences() -> list[str]:
    subjects = ["the cat", "a dog", "my friend", "the teacher", "an old man", "the child"]
    verbs = ["reads", "paints", "sees", "finds"]
    objects = ["a book", "the door", "a red car"]
    return [f"{s} {v} {o}." for s in subjects for v in verbs for o in objects]  # 72 distinct


def st_arguments(output_dir: Path, **changes):
    from sentence_transformers import SentenceTransformerTrainingArguments

    values = dict(
        output_dir=str(output_dir), per_device_train_batch_size=8, max_steps=STEPS,
        learning_rate=1e-3, save_strategy="steps", save_steps=STEPS, eval_strategy="steps",
        eval_steps=STEPS, logging_steps=1, report_to="none", use_cpu=True, disable_tqdm=True,
        seed=0,
    )  # fmt: skip
    values.update(changes)
    return SentenceTransformerTrainingArguments(**values)


@dataclass
class StRun:
    trainer: object
    model: object
    loss: object
    evaluator: object
    output_dir: Path
    dev_pairs: list


@pytest.fixture(scope="session")
def st_run(tiny_model_dir: Path, stsb_dir: Path, tmp_path_factory) -> StRun:
    from datasets import Dataset
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer

    from cselab.integrations.sentence_transformers import CselabEvaluator, CselabLoss

    out = tmp_path_factory.mktemp("st_run")
    dev_pairs = read_stsbenchmark(stsb_dir / "sts-dev.csv")[:40]
    model = SentenceTransformer(str(tiny_model_dir), device="cpu")
    loss = CselabLoss(model, "arccon", margin_degrees=5.0, temperature=0.1)
    texts = sentences()
    evaluator = CselabEvaluator(
        sentences=texts[:30], sts_pairs=dev_pairs, loss=loss,
        gradient_batch=[(t, t) for t in texts[:8]],
    )  # fmt: skip
    data = Dataset.from_dict({"anchor": texts, "positive": texts})
    trainer = SentenceTransformerTrainer(
        model=model, args=st_arguments(out), train_dataset=data, loss=loss, evaluator=evaluator
    )
    trainer.train()
    return StRun(trainer, model, loss, evaluator, out, dev_pairs)
