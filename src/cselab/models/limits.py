"""How many tokens a model can read: its position limit, checked before any work.

A transformer with learned absolute positions has ``max_position_embeddings`` position
vectors; a longer input crashes deep inside the forward pass ("The size of tensor a (702)
must match the size of tensor b (128)"). RoBERTa-style models (RoBERTa, XLM-R, MPNet,
CamemBERT, Longformer, ...) number positions from ``padding_idx + 1``, so they read
``max_position_embeddings - pad_token_id - 1`` tokens (514 - 1 - 1 = 512 for MPNet).
"""

from __future__ import annotations

from cselab.errors import CselabError

#: Model types whose position ids start after the padding index.
OFFSET_POSITIONS = ("roberta", "xlm-roberta", "mpnet", "camembert", "longformer", "data2vec-text")


def model_config(model):
    """The transformers config of a SentenceTransformer's transformer, or of a model that
    has one itself (a transformers model, a :class:`cselab.models.encoder.Encoder`); None
    for anything else."""
    try:
        return model[0].auto_model.config
    except (AttributeError, IndexError, KeyError, TypeError):
        return getattr(model, "config", None)


def position_limit(model) -> int | None:
    """The most tokens (special tokens included) ``model``'s encoder takes, or None when
    it has no absolute position table (rotary or relative positions)."""
    config = model_config(model)
    positions = getattr(config, "max_position_embeddings", None)
    if not isinstance(positions, int) or positions <= 0:
        return None
    if getattr(config, "model_type", "") in OFFSET_POSITIONS:
        positions -= int(getattr(config, "pad_token_id", None) or 0) + 1
    return positions


def check_token_limit(model, length: int | None, what: str, model_name: str) -> None:
    """Refuse a token limit ``length`` (named ``what``, e.g. ``--max-length``) above the
    position limit of ``model`` (named ``model_name``)."""
    limit = position_limit(model)
    if length is not None and limit is not None and length > limit:
        raise CselabError(
            f"{what} {length} is above the position limit of model {model_name!r} "
            f"({limit} tokens): give at most {limit}"
        )
