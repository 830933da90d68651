"""One training step: texts -> embeddings -> loss -> gradients -> optimizer step.

The batch's columns of texts (anchors, positives, hard negatives) are tokenized and
embedded one forward pass each, with dropout on (for unsupervised SimCSE the two copies of
a sentence get independent dropout masks), then ``loss(anchor, positive, negative)``. One
pass per column pads each column to its own longest text, as sentence-transformers does
(one joint pass pads every text to the longest of all; measured 3–5 % slower). With
``mini_batch`` the step goes through GradCache instead (the same gradient, the memory of
one mini-batch). ``encoder`` is what runs the forward: the SentenceTransformer itself, or
the DistributedDataParallel wrapper around it under torchrun. The loss's hooks run around
it: ``prepare`` (the tokenized columns, before any forward) and ``after_step``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import torch

from cselab.data.pairs import Triplet
from cselab.training.gradcache import gradcache_step, sentence_embedding_fn
from cselab.training.parallel import Processes
from cselab.training.state import TrainState


def text_columns(batch) -> list[list[str]]:
    """[anchors, positives(, negatives)] of a batch; negatives only when all are triplets."""
    columns = [[e.anchor for e in batch], [e.positive for e in batch]]
    if all(isinstance(e, Triplet) for e in batch):
        columns.append([e.negative for e in batch])
    return columns


def tokenize(model, texts: list[str]) -> dict:
    features = model.preprocess(texts)
    return {k: v.to(model.device) if torch.is_tensor(v) else v for k, v in features.items()}


def tokenized_columns(model, batch) -> list[dict]:
    """The features of each column of :func:`text_columns`, on the model's device."""
    return [tokenize(model, texts) for texts in text_columns(batch)]


def embed_columns(encoder, columns: Sequence[Mapping]) -> list[torch.Tensor]:
    """Sentence embeddings (B, d) of each column of features, one forward pass per column
    (on a copy of each features dict: a forward adds its outputs to the dict it is given)."""
    return [encoder(dict(features))["sentence_embedding"] for features in columns]


def embed_examples(model, batch, encoder=None):
    """(anchor, positive, negative | None) sentence embeddings, each (B, d), one forward
    pass per column."""
    views = embed_columns(encoder or model, tokenized_columns(model, batch))
    return views[0], views[1], views[2] if len(views) > 2 else None


def loss_and_backward(
    model, loss_fn: Callable[..., torch.Tensor], columns, mini_batch: int | None, *, encoder=None
) -> torch.Tensor:
    """Forward + backward of one batch's tokenized columns; with ``mini_batch``, through
    GradCache (same gradient). Returns the loss, detached.

    Under DDP (``encoder`` has ``no_sync``) GradCache all-reduces the gradients once, after
    its last re-forward.
    """
    encoder = encoder or model
    if mini_batch is None:
        value = loss_fn(*embed_columns(encoder, columns))
        value.backward()
        return value.detach()
    return gradcache_step(
        sentence_embedding_fn(encoder),
        columns,
        loss_fn,
        mini_batch_size=mini_batch,
        no_sync=getattr(encoder, "no_sync", None),
    )


def train_step(
    state: TrainState,
    batch,
    objective: Callable[..., torch.Tensor],
    *,
    encoder,
    procs: Processes,
    mini_batch: int | None,
    max_grad_norm: float | None,
) -> tuple[float, dict[str, float]]:
    """One optimizer step on this process's share of a batch; ``state.step`` advances.

    ``objective`` is the loss itself, or its multi-process form. Returns the loss and its
    parts, each averaged over processes (the global batch's values).
    """
    columns = tokenized_columns(state.model, batch)
    state.loss.prepare(columns)
    value = loss_and_backward(state.model, objective, columns, mini_batch, encoder=encoder)
    parts = {name: float(part) for name, part in state.loss.last_parts.items()}
    if max_grad_norm is not None:
        torch.nn.utils.clip_grad_norm_(state.trainable(), max_grad_norm)
    state.optimizer.step()
    state.scheduler.step()
    state.optimizer.zero_grad(set_to_none=True)
    state.loss.after_step(state.model)
    state.step += 1
    loss_value, *means = procs.mean([float(value)] + list(parts.values()))
    return loss_value, dict(zip(parts, means, strict=True))
