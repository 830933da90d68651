"""Test data for the geometry metrics: random token batches and real tiny-BERT vectors."""

from __future__ import annotations

import torch

from cselab.geometry.protocols import Protocol
from cselab.geometry.stream import MetricStream
from cselab.models.token_batch import TokenBatch

SENTENCES = [
    "the cat sat on the mat and the dog sat too .",
    "a dog ran in the park .",
    "the bird sang a song in the park .",
    "the cat and the dog played .",
    "a song for the park , a song for the cat .",
    "the mat was red and the dog was blue .",
    "dogs and cats are not the same .",
    "the end .",
]


def random_tokens(seed: int = 0, n_sentences: int = 12, d: int = 8, vocab: int = 6, shift=0.3):
    """(x (n, d) float64, token_ids (n,), sentence_ids (n,)) with uneven sentence lengths."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, 9, (n_sentences,), generator=g)
    sentence_ids = torch.repeat_interleave(torch.arange(n_sentences) * 3 + 5, lengths)
    n = len(sentence_ids)
    x = torch.randn(n, d, generator=g, dtype=torch.float64) + shift
    token_ids = torch.randint(0, vocab, (n,), generator=g)
    return x, token_ids, sentence_ids


def tiny_bert_tokens(model, layer: int = -1):
    """Real token vectors of the tiny BERT: (x (n, d) float64, token_ids, sentence_ids)."""
    tokenizer, encoder = model[0].tokenizer, model[0].auto_model.eval()
    enc = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = encoder(**enc, output_hidden_states=True).hidden_states[layer]  # (b, s, d)
    mask = enc["attention_mask"].bool()  # (b, s)
    sentence_ids = torch.arange(len(SENTENCES)).unsqueeze(1).expand_as(mask)  # (b, s)
    return hidden[mask].double(), enc["input_ids"][mask], sentence_ids[mask]


def batches(x, token_ids, sentence_ids, cuts_at_sentences=(1, 4, 5)):
    """Cut into uneven batches at the given sentence boundaries (never splitting one)."""
    starts = torch.nonzero(torch.diff(sentence_ids, prepend=sentence_ids[:1] - 1)).flatten()
    bounds = [0] + [int(starts[c]) for c in cuts_at_sentences if c < len(starts)] + [len(x)]
    out = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        positions = torch.zeros(b - a, dtype=torch.long)
        out.append(TokenBatch(x[a:b], token_ids[a:b], sentence_ids[a:b], positions))
    return out


def metric(family: str, level: str = "token", **protocol_options) -> MetricStream:
    """A one-layer stream of ``family`` under the default protocol with some choices changed
    (e.g. ``seed=3``, ``sample_size=25``)."""
    return MetricStream(family, Protocol().with_options(**protocol_options), level)


def stream(metric, parts):
    metric.reset()
    for part in parts:
        metric.update(part)
    return metric.compute()
