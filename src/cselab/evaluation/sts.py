"""STS evaluation: rank correlation between cosine similarity and gold scores.

For pairs ``(a_i, b_i, y_i)`` with sentence embeddings ``u_i = f(a_i)``, ``v_i = f(b_i)``:
``s_i = cos(u_i, v_i)``; Spearman ρ = Pearson correlation of the ranks of ``s`` and ``y``
(ties get average ranks, ``scipy.stats.spearmanr``); Pearson r of ``s`` and ``y``. Both are
reported × 100, as papers report them (Reimers & Gurevych 2019; Gao et al. 2021 SimCSE).
This is exactly sentence-transformers' ``EmbeddingSimilarityEvaluator`` with cosine: the
cosine is computed in float32 by ``sentence_transformers.util.pairwise_cos_sim``, so near-ties
(a random model's cosines can differ by 1e-7) rank the same way as in that evaluator.

``evaluate_sts`` is stateless and cheap enough for training probes (dev-set Spearman every N
steps): it restores the model's train/eval mode and computes no gradient.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch
from scipy.stats import pearsonr, spearmanr
from sentence_transformers.util import pairwise_cos_sim

from cselab import progress
from cselab.data.pairs import ScoredPair
from cselab.data.sts import StsDataset, as_scored_pairs
from cselab.errors import CselabError
from cselab.models.batch_progress import counting_sentences
from cselab.models.encoder import as_encoder
from cselab.models.pooling import get_pooling, st_pooling_mode
from cselab.models.sentence_embeddings import pooled_embeddings

if TYPE_CHECKING:
    from cselab.models.encoder import ModelLike


def encode_sentences(
    model,
    sentences: Sequence[str],
    *,
    batch_size: int = 64,
    pooling: str | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> torch.Tensor:
    """Sentence embeddings (n, d) on CPU, float32, of any model
    :func:`cselab.models.encoder.as_encoder` takes.

    A SentenceTransformer with ``pooling=None`` runs its own pipeline (``model.encode``);
    a name from ``POOLINGS`` pools the transformer's token embeddings of each sentence
    instead. A transformers model pools its last hidden state
    (:func:`cselab.models.sentence_embeddings.pooled_embeddings`). ``on_batch(n)`` is
    called after each forward pass of n sentences.
    """
    if batch_size <= 0:
        raise CselabError(f"batch_size must be positive, got {batch_size}")
    encoder = as_encoder(model)
    st = encoder.sentence_transformer
    if st is None:
        return pooled_embeddings(
            encoder, sentences, batch_size=batch_size, pooling=pooling, on_batch=on_batch
        )
    counting = counting_sentences(st, on_batch) if on_batch else contextlib.nullcontext()
    with counting:
        if pooling is None:
            emb = st.encode(
                list(sentences), batch_size=batch_size, convert_to_tensor=True,
                show_progress_bar=False,
            )  # fmt: skip
            return emb.detach().float().cpu()  # (n, d)
        pool = get_pooling(pooling)
        tokens = st.encode(
            list(sentences),
            batch_size=batch_size,
            output_value="token_embeddings",
            show_progress_bar=False,
        )  # list of (s_i, d), padding already removed
    pooled = []
    for t in tokens:
        hidden = t.detach().float().cpu().unsqueeze(0)  # (1, s, d)
        mask = torch.ones(hidden.shape[:2], dtype=torch.long)  # (1, s)
        pooled.append(pool(hidden, mask)[0])
    return torch.stack(pooled)  # (n, d)


def count_truncated(model, sentences: Sequence[str]) -> int:
    """How many sentences have more tokens (special tokens included) than the model takes."""
    encoder = as_encoder(model)
    lengths = encoder.tokenizer(  # verbose=False: no "will result in indexing errors" warning
        list(sentences), add_special_tokens=True, truncation=False, verbose=False
    )
    return sum(len(ids) > encoder.max_length for ids in lengths["input_ids"])


def correlations(predicted: np.ndarray, gold: np.ndarray, *, name: str = "pairs") -> dict:
    """Spearman and Pearson (× 100) of predicted similarities against gold scores."""
    if predicted.shape != gold.shape or predicted.ndim != 1:
        raise CselabError(
            f"{name}: predicted shape {predicted.shape} does not match gold shape {gold.shape}"
        )
    if len(gold) < 2:
        raise CselabError(f"{name}: need at least 2 pairs to correlate, got {len(gold)}")
    if not np.isfinite(predicted).all():
        raise CselabError(f"{name}: the model produced non-finite similarities (NaN/inf)")
    if np.ptp(gold) == 0 or np.ptp(predicted) == 0:
        which = "gold scores" if np.ptp(gold) == 0 else "predicted similarities"
        raise CselabError(f"{name}: all {which} are equal; correlation is undefined")
    spearman = float(spearmanr(gold, predicted)[0])
    pearson = float(pearsonr(gold, predicted)[0])
    if not (math.isfinite(spearman) and math.isfinite(pearson)):
        raise CselabError(f"{name}: correlation is not finite")
    return {"spearman": 100.0 * spearman, "pearson": 100.0 * pearson, "n": int(len(gold))}


def pair_similarities(
    model,
    pairs: Sequence[ScoredPair],
    *,
    batch_size: int = 64,
    pooling: str | None = None,
    label: str = "pairs",
) -> np.ndarray:
    """Cosine similarity of each pair's two sentence embeddings, shape (n,); the encoding
    is a :mod:`cselab.progress` task named ``label``. The model's train/eval mode is
    restored after."""
    if pooling is not None:
        get_pooling(pooling)  # reject an unknown name before touching the model
    encoder = as_encoder(model)
    module = encoder.sentence_transformer or encoder.transformer
    was_training = module.training
    sentences = 2 * len(pairs)
    try:
        with (
            torch.inference_mode(),
            progress.task(f"{label}: encoding", total=sentences, unit="sentences") as task,
        ):
            options = {"batch_size": batch_size, "pooling": pooling, "on_batch": task.advance}
            u = encode_sentences(encoder, [p.sentence1 for p in pairs], **options)  # (n, d)
            v = encode_sentences(encoder, [p.sentence2 for p in pairs], **options)  # (n, d)
            cos = pairwise_cos_sim(u, v)  # (n,), float32 exactly as sentence-transformers
    finally:
        module.train(was_training)
    return cos.double().numpy()


def evaluate_sts(
    model: ModelLike,
    pairs: Sequence[ScoredPair] | Sequence[tuple[str, str, float]] | StsDataset | str,
    *,
    tokenizer=None,
    batch_size: int = 64,
    pooling: str | None = None,
    name: str | None = None,
) -> dict:
    """Spearman/Pearson × 100 of cosine vs gold: ``{"spearman", "pearson", "n"}``.

    ``model``: anything :func:`cselab.models.encoder.as_encoder` takes (a name or path, a
    SentenceTransformer, a transformers model with ``tokenizer``); ``pairs``: a dataset
    spec (``"stsb:DIR?split=test"``, :func:`cselab.data.sts.load_sts`), an
    :class:`StsDataset`, or ``ScoredPair`` / ``(sentence1, sentence2, score)`` items;
    ``pooling``: ``None`` (the model's own) or a name in ``POOLINGS``; ``name`` labels
    errors. Raises :class:`CselabError` on empty input, constant or non-finite
    similarities.
    """
    pairs, name = as_scored_pairs(pairs, name)
    if len(pairs) == 0:
        raise CselabError(f"{name}: no pairs to evaluate")
    gold = np.asarray([p.score for p in pairs], dtype=np.float64)  # (n,)
    if not np.isfinite(gold).all():
        raise CselabError(f"{name}: gold scores contain NaN or inf")
    encoder = as_encoder(model, tokenizer)
    predicted = pair_similarities(
        encoder, pairs, batch_size=batch_size, pooling=pooling, label=name
    )
    return correlations(predicted, gold, name=name)


def effective_pooling(model, pooling: str | None) -> str:
    """The pooling an evaluation uses: the override, else the model's configured one
    (a SentenceTransformer saved without a pooling module: ``model-defined``)."""
    if pooling is not None:
        get_pooling(pooling)
        return pooling
    encoder = as_encoder(model)
    if encoder.sentence_transformer is not None:
        return st_pooling_mode(encoder.sentence_transformer) or "model-defined"
    return encoder.pooling
