"""Any model a user holds, as the one thing cselab reads: a transformer encoder with its
tokenizer, token limit and pooling.

Accepted (:func:`as_encoder`):

- a name or path: loaded as a SentenceTransformer (:func:`cselab.models.loading.load_model`);
- a ``SentenceTransformer`` whose first module is a transformer: its transformer, tokenizer,
  ``max_seq_length`` and saved pooling; its own ``encode`` (every module after pooling
  included) gives its sentence embeddings;
- a transformers model (``AutoModel``, ``BertModel``, ...) with ``tokenizer=``, or without
  one when the model was loaded from a folder or hub id whose tokenizer loads
  (``model.name_or_path``); its sentence embedding is ``pooling`` (default ``"mean"``) of its
  last hidden state, its token limit the smaller of the tokenizer's and the position table's.

Nothing is copied: the encoder wraps the objects given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cselab.errors import CselabError
from cselab.models.hub import hub_reachable
from cselab.models.limits import position_limit

if TYPE_CHECKING:
    import torch
    from torch import nn

#: A tokenizer's "no limit" (transformers' VERY_LARGE_INTEGER) and the limit used then.
UNBOUNDED, FALLBACK_LENGTH = 10**6, 512


@dataclass
class Encoder:
    """A transformer encoder as cselab reads it.

    transformer: the transformers model (input_ids, attention_mask -> hidden states)
    tokenizer:   its tokenizer
    max_length:  tokens read per sentence, special tokens included
    pooling:     the pooling of its sentence embedding (a ``POOLINGS`` name)
    label:       a short name for tables
    sentence_transformer: the SentenceTransformer it came from, if any
    """

    transformer: nn.Module
    tokenizer: Any
    max_length: int
    pooling: str
    label: str
    sentence_transformer: Any = None

    @property
    def config(self):
        return self.transformer.config

    @property
    def device(self) -> torch.device:
        return next(self.transformer.parameters()).device

    @property
    def num_hidden_states(self) -> int:
        """L + 1: the input embeddings and every layer."""
        return int(self.config.num_hidden_layers) + 1


if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from transformers import PreTrainedModel

    #: What every model argument of the library accepts.
    ModelLike = str | os.PathLike[str] | SentenceTransformer | PreTrainedModel | Encoder


def as_encoder(
    model: ModelLike, tokenizer=None, *, pooling: str | None = None, device: str = "cpu"
) -> Encoder:
    """The :class:`Encoder` of ``model`` (see the module doc); ``pooling`` overrides the
    model's own; ``device`` is used when a name or path is loaded."""
    if isinstance(model, Encoder):
        return model if pooling is None else _with_pooling(model, pooling)
    if isinstance(model, str | os.PathLike):
        from cselab.models.loading import load_model, model_label

        encoder = _from_sentence_transformer(load_model(model, device=device), pooling)
        encoder.label = model_label(model)
        return encoder
    if _is_sentence_transformer(model):
        return _from_sentence_transformer(model, pooling)
    if _is_transformers_model(model):
        return _from_transformers(model, tokenizer, pooling)
    raise CselabError(
        f"model of type {type(model).__name__}: give a name or path, a SentenceTransformer, "
        "or a transformers model (with tokenizer=...)"
    )


def _with_pooling(encoder: Encoder, pooling: str) -> Encoder:
    from cselab.models.pooling import get_pooling

    get_pooling(pooling)  # an unknown name is an error listing the choices
    return Encoder(encoder.transformer, encoder.tokenizer, encoder.max_length, pooling,
                   encoder.label, encoder.sentence_transformer)  # fmt: skip


def _is_sentence_transformer(model) -> bool:
    return any(cls.__name__ == "SentenceTransformer" for cls in type(model).__mro__)


def _is_transformers_model(model) -> bool:
    return any(cls.__name__ == "PreTrainedModel" for cls in type(model).__mro__)


def _is_tokenizer(tokenizer) -> bool:
    return any(cls.__name__ == "PreTrainedTokenizerBase" for cls in type(tokenizer).__mro__)


def _label(config) -> str:
    from cselab.models.loading import model_label

    name = str(getattr(config, "_name_or_path", "") or "")
    return model_label(name) if name else "model"


def _from_sentence_transformer(model, pooling: str | None) -> Encoder:
    from cselab.models.pooling import st_pooling_mode

    first = model[0]
    transformer = getattr(first, "auto_model", None)
    if transformer is None or getattr(first, "tokenizer", None) is None:
        raise CselabError(
            f"SentenceTransformer whose first module is {type(first).__name__}: cselab reads "
            "the hidden states of a transformer encoder (a Transformer first module)"
        )
    limit = model.max_seq_length or first.tokenizer.model_max_length
    own = st_pooling_mode(model) or "mean"
    encoder = Encoder(transformer, first.tokenizer, int(limit), own, _label(transformer.config),
                      sentence_transformer=model)  # fmt: skip
    return encoder if pooling is None else _with_pooling(encoder, pooling)


def _from_transformers(model, tokenizer, pooling: str | None) -> Encoder:
    if tokenizer is None:
        tokenizer = _own_tokenizer(model)
    elif not _is_tokenizer(tokenizer):
        raise CselabError(
            f"tokenizer of type {type(tokenizer).__name__}: give a transformers tokenizer "
            "(AutoTokenizer.from_pretrained(...)) or leave it out to load the model's own"
        )
    limit = int(getattr(tokenizer, "model_max_length", UNBOUNDED) or UNBOUNDED)
    positions = position_limit(model)
    if positions is not None:
        limit = min(limit, positions)
    encoder = Encoder(model, tokenizer, limit if limit < UNBOUNDED else FALLBACK_LENGTH, "mean",
                      _label(model.config))  # fmt: skip
    return encoder if pooling is None else _with_pooling(encoder, pooling)


def _own_tokenizer(model):
    """The tokenizer saved with a transformers model (from ``model.name_or_path``)."""
    from transformers import AutoTokenizer

    name = str(getattr(model, "name_or_path", "") or "")
    kind = type(model).__name__
    if not name:
        raise CselabError(f"{kind} has no name_or_path to load its tokenizer from: pass tokenizer=")
    offline = not Path(name).is_dir() and not hub_reachable()  # the cache only: no retries
    try:
        return AutoTokenizer.from_pretrained(name, local_files_only=offline)
    except (OSError, ValueError) as exc:
        raise CselabError(
            f"no tokenizer given for {kind} and none loads from {name!r} "
            f"({type(exc).__name__}); pass tokenizer=AutoTokenizer.from_pretrained(...)"
        ) from None
