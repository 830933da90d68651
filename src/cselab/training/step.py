"""One training step's forward and backward: texts -> embeddings -> loss -> gradients.

The batch's columns of texts (anchors, positives, hard negatives) are tokenized and
embedded one forward pass each, with dropout on (for unsupervised SimCSE the two copies of
a sentence get independent dropout masks), then ``loss(anchor, positive, negative)``. One
pass per column pads each column to its own longest text, as sentence-transformers does
(one joint pass pads every text to the longest of all; measured 3–5 % slower). With
``mini_batch`` the step goes through GradCache instead (the same gradient, the memory of
one mini-batch). ``encoder`` is what runs the forward: the SentenceTransformer itself, or
the DistributedDataParallel wrapper around it under torchrun.
"""

from __future__ import annotations

import torch

from cselab.data.pairs import Triplet
from cselab.losses.base import LossOutput
from cselab.training.gradcache import gradcache_step, sentence_embedding_fn


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


def embed_examples(model, batch, encoder=None):
    """(anchor, positive, negative | None) sentence embeddings, each (B, d), one forward
    pass per column."""
    run = encoder or model
    views = [run(features)["sentence_embedding"] for features in tokenized_columns(model, batch)]
    return views[0], views[1], views[2] if len(views) > 2 else None


def loss_and_backward(model, loss_fn, batch, mini_batch: int | None, *, encoder=None) -> LossOutput:
    """Forward + backward of one batch; with ``mini_batch``, through GradCache (same gradient).

    Under DDP (``encoder`` has ``no_sync``) GradCache all-reduces the gradients once, after
    its last re-forward.
    """
    encoder = encoder or model
    if mini_batch is None:
        output = loss_fn(*embed_examples(model, batch, encoder))
        output.loss.backward()
        return output
    return gradcache_step(
        sentence_embedding_fn(encoder),
        tokenized_columns(model, batch),
        loss_fn,
        mini_batch_size=mini_batch,
        no_sync=getattr(encoder, "no_sync", None),
    )
