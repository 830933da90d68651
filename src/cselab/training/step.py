"""One training step: texts -> embeddings -> loss -> gradients -> optimizer step.

The batch's columns of texts (anchors, positives, hard negatives) are tokenized and
embedded one forward pass each, with dropout on (for unsupervised SimCSE the two copies of
a sentence get independent dropout masks), then ``loss(anchor, positive, negative)``. One
pass per column pads each column to its own longest text, as sentence-transformers does
(one joint pass pads every text to the longest of all; measured 3–5 % slower). With
``mini_batch`` the step goes through GradCache instead (the same gradient, the memory of
one mini-batch). ``encoder`` is what runs the forward: the SentenceTransformer itself, or
the DistributedDataParallel wrapper around it under torchrun. The loss's hooks run around
it: ``prepare`` (the tokenized columns, before any forward) and ``after_step`` (after an
applied update). The forward passes run under the run's precision (autocast for bf16/fp16;
:mod:`cselab.training.precision`); the embeddings and the loss are float32.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Mapping, Sequence

import torch

from cselab.data.pairs import Triplet
from cselab.training.divergence import FiniteGuard, non_finite
from cselab.training.gradcache import EmbedFn, gradcache_step
from cselab.training.parallel import Processes
from cselab.training.precision import Precision
from cselab.training.state import StepOutcome, TrainState


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


def embedding_fn(encoder, precision: Precision | None = None) -> EmbedFn:
    """Tokenized features -> sentence embeddings (b, d) in float32, the forward pass under
    the precision's autocast (on a copy of the features dict: a forward adds its outputs to
    the dict it is given)."""

    def embed(features) -> torch.Tensor:
        with contextlib.nullcontext() if precision is None else precision.autocast():
            out = encoder(dict(features))["sentence_embedding"]
        return out.float()

    return embed


def embed_columns(
    encoder, columns: Sequence[Mapping], precision: Precision | None = None
) -> list[torch.Tensor]:
    """Sentence embeddings (B, d) of each column of features, one forward pass per column."""
    embed = embedding_fn(encoder, precision)
    return [embed(features) for features in columns]


def embed_examples(model, batch, encoder=None):
    """(anchor, positive, negative | None) sentence embeddings, each (B, d), one forward
    pass per column."""
    views = embed_columns(encoder or model, tokenized_columns(model, batch))
    return views[0], views[1], views[2] if len(views) > 2 else None


def loss_and_backward(
    model,
    loss_fn: Callable[..., torch.Tensor],
    columns,
    mini_batch: int | None,
    *,
    encoder=None,
    precision: Precision | None = None,
) -> torch.Tensor:
    """Forward + backward of one batch's tokenized columns; with ``mini_batch``, through
    GradCache (same gradient). Returns the loss, detached; a non-finite loss is
    back-propagated as it is (the caller checks the gradients).

    Under DDP (``encoder`` has ``no_sync``) GradCache all-reduces the gradients once, after
    its last re-forward. Under fp16 the back-propagated loss is scaled (``precision``).
    """
    encoder = encoder or model
    scale = None if precision is None else precision.scale
    if mini_batch is None:
        value = loss_fn(*embed_columns(encoder, columns, precision))
        (value if scale is None else scale(value)).backward()
        return value.detach()
    return gradcache_step(
        embedding_fn(encoder, precision),
        columns,
        loss_fn,
        mini_batch_size=mini_batch,
        no_sync=getattr(encoder, "no_sync", None),
        scale=scale,
        allow_non_finite=True,
    )


def gradient_norm(parameters: list[torch.nn.Parameter], max_norm: float | None) -> float:
    """The global L2 norm of the gradients (before clipping), clipped to ``max_norm`` (none:
    an infinite bound, which scales by 1)."""
    limit = float("inf") if max_norm is None else max_norm
    return float(torch.nn.utils.clip_grad_norm_(parameters, limit))


def train_step(
    state: TrainState,
    batch,
    objective: Callable[..., torch.Tensor],
    *,
    encoder,
    procs: Processes,
    mini_batch: int | None,
    max_grad_norm: float | None,
) -> StepOutcome:
    """One optimizer step on this process's share of a batch; ``state.step`` advances.

    ``objective`` is the loss itself, or its multi-process form. The outcome holds the loss
    and its parts, each averaged over processes (the global batch's values), and the
    gradient norm. A step whose loss, embeddings or gradient are not finite applies no
    update (:mod:`cselab.training.divergence`); the schedule still advances.
    """
    columns = tokenized_columns(state.model, batch)
    state.loss.prepare(columns)
    guard = FiniteGuard(objective, procs)
    value = loss_and_backward(
        state.model, guard, columns, mini_batch, encoder=encoder, precision=state.precision
    )
    parts = {name: float(p) for name, p in state.loss.last_parts.items()} if guard.finite else {}
    loss_value, *means = procs.mean([float(value)] + list(parts.values()))
    state.precision.unscale(state.optimizer)
    grad_norm = gradient_norm(state.trainable(), max_grad_norm)
    scaled = state.precision.scaler is not None
    problem = non_finite(loss_value, grad_norm, guard.finite, scaled)
    if problem:
        state.precision.skip(state.optimizer)
    else:
        state.precision.step(state.optimizer)
    with (
        warnings.catch_warnings()
    ):  # a skipped first step: "scheduler.step() before optimizer.step()"
        warnings.simplefilter("ignore", UserWarning)
        state.scheduler.step()
    state.optimizer.zero_grad(set_to_none=True)
    if not problem:
        state.loss.after_step(state.model)
    state.step += 1
    return StepOutcome(loss_value, dict(zip(parts, means, strict=True)), grad_norm, problem)
