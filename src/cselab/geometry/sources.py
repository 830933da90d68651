"""Sources of batches: a model's forward passes over a (lazily read) corpus, or vectors
computed elsewhere (token vectors per layer with their ids, or sentence vectors).

Every source yields :class:`~cselab.geometry.stream.GeometryBatch` objects, one
:class:`~cselab.geometry.batch.ViewBatch` per level, all layers stacked.

The model source reads the corpus in chunks (``chunk_size`` sentences: a corpus of any
size is never in memory at once), tokenizes each chunk once, sorts it by length (padding
cost only: no number depends on the order) and runs batches of ``protocol.batch_size``
sentences with all hidden states. With several processes, rank r takes the sentences
i with i mod W = r. When the protocol counts padding in self-similarity (``xiao2023``),
each sentence of length m runs to m + 1 positions and its first padding position is
handed over (see :mod:`cselab.geometry.statistics.type_sums`): the paper's numbers for a
corpus padded to its longest sentence, at the cost of no padding.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence

import torch

from cselab.arrays import as_tensor
from cselab.errors import CselabError
from cselab.geometry.batch import ViewBatch, sentence_runs
from cselab.geometry.protocols import Protocol
from cselab.geometry.stream import GeometryBatch
from cselab.geometry.threads import threads_for_geometry
from cselab.models.pooling import get_pooling
from cselab.models.token_view import (
    TokenEncoder,
    check_sentences,
    pad_rows,
    tokenize_sentences,
    truncation_message,
)

Progress = Callable[[int, int | None], None]
CHUNK_SIZE = 8192


class ModelSource:
    """Batches of a model's hidden states over a corpus; ``model`` is anything
    :func:`cselab.models.encoder.as_encoder` takes (its pooling gives the sentence level)."""

    def __init__(
        self, model, protocol: Protocol, *, strict: bool = False, chunk_size: int = CHUNK_SIZE
    ) -> None:
        self.encoder = TokenEncoder(model, max_length=protocol.max_length, strict=strict)
        self.protocol = protocol
        self.strict = strict
        self.chunk_size = chunk_size
        self.pooling = self.encoder.encoder.pooling
        self.pool = get_pooling(self.pooling)
        self.n_sentences = 0  # sentences read (all ranks' share)
        self.n_truncated = 0
        self._first_truncated: tuple[int, int, str] | None = None

    @property
    def num_hidden_states(self) -> int:
        return self.encoder.num_hidden_states

    def token_string(self, token_id: int) -> str:
        return self.encoder.tokenizer.convert_ids_to_tokens(int(token_id))

    def total_batches(self, sentences: Iterable[str], rank: int = 0, world: int = 1) -> int | None:
        """Batches this rank will run, when the corpus has a length."""
        if not hasattr(sentences, "__len__"):
            return None
        n, size, total = len(sentences), self.chunk_size * world, 0  # type: ignore[arg-type]
        for start in range(0, n, size):
            mine = len(range(start + rank, min(start + size, n), world))
            total += math.ceil(mine / self.protocol.batch_size)
        return total

    def batches(
        self,
        sentences: Iterable[str],
        layers: Sequence[int],
        levels: Sequence[str],
        *,
        rank: int = 0,
        world: int = 1,
        skip: int = 0,
        progress: Progress | None = None,
    ) -> Iterator[GeometryBatch]:
        """Batches of this rank's sentences; the first ``skip`` batches are planned but not
        run (a resumed analysis)."""
        total = self.total_batches(sentences, rank, world)
        done = 0
        numbered = enumerate(sentences)
        while chunk := list(itertools.islice(numbered, self.chunk_size * world)):
            self.n_sentences += len(chunk)
            mine = chunk[rank::world]
            for ids, rows, special in self._planned(mine, len(chunk)):
                if done >= skip:
                    yield self._encode(ids, rows, special, layers, levels)
                done += 1
                if progress is not None:
                    progress(done, total)
        if self.n_sentences == 0:
            raise CselabError("no sentences to tokenize (empty corpus)")
        if self._first_truncated is not None:
            first, length, text = self._first_truncated
            message = truncation_message(
                self.n_truncated, self.n_sentences, self.encoder.max_length, first, length, text
            )
            warnings.warn(message + "; truncated", UserWarning, stacklevel=2)

    def _planned(self, numbered: list[tuple[int, str]], read: int):
        """(sentence ids, token ids, special flags) of each batch of one chunk."""
        if not numbered:
            return
        texts = [text for _, text in numbered]
        for index, text in numbered:
            check_sentences([text], index)
        rows, special, too_long = tokenize_sentences(
            self.encoder.tokenizer, texts, self.encoder.max_length
        )
        if too_long:
            first, length = too_long[0]
            if self.strict:
                raise CselabError(
                    truncation_message(
                        len(too_long), self.n_sentences, self.encoder.max_length,
                        numbered[first][0], length, texts[first],
                    )
                )  # fmt: skip
            self.n_truncated += len(too_long)
            if self._first_truncated is None:
                self._first_truncated = (numbered[first][0], length, texts[first])
        order = list(range(len(rows)))
        if self.protocol.sort_by_length:
            order.sort(key=lambda i: len(rows[i]))
        size = self.protocol.batch_size
        for start in range(0, len(order), size):
            part = order[start : start + size]
            yield (
                [numbered[i][0] for i in part],
                [rows[i] for i in part],
                [special[i] for i in part],
            )

    def _pooled(self, hidden, layers, attention) -> torch.Tensor:
        """(L, b, d) sentence embeddings with the model's pooling over attended tokens."""
        if self.pooling == "mean":
            return mean_pooled(hidden, layers, attention)
        return torch.stack([self.pool(hidden[layer], attention) for layer in layers])

    def _encode(self, ids, rows, special, layers, levels) -> GeometryBatch:
        protocol, encoder = self.protocol, self.encoder
        limit = encoder.max_length
        lengths = [len(row) for row in rows]
        padding = protocol.padding_in_self_similarity
        width = max(min(m + 1, limit) if padding else m for m in lengths)
        device = encoder.encoder.device
        input_ids = pad_rows(rows, width, encoder.pad_id).to(device)  # (b, s)
        attention = pad_rows([[1] * m for m in lengths], width, 0).bool().to(device)
        special_mask = pad_rows(special, width, 0).bool().to(device)
        hidden = encoder.forward(input_ids, attention)
        with threads_for_geometry():  # copies and small products
            return self._views(hidden, ids, input_ids, attention, special_mask, lengths, layers,
                               levels)  # fmt: skip

    def _views(self, hidden, ids, input_ids, attention, special_mask, lengths, layers, levels):
        protocol, encoder, device = self.protocol, self.encoder, input_ids.device
        limit, padding = encoder.max_length, protocol.padding_in_self_similarity
        sentence_ids = torch.tensor(ids, dtype=torch.long, device=device)  # (b,)
        views: dict[str, ViewBatch] = {}
        if "token" in levels:
            keep = attention if protocol.include_special else attention & ~special_mask
            b, s = keep.shape
            flat = keep.flatten().nonzero().flatten()  # (n,) kept positions of the (b·s) grid
            view = ViewBatch(
                gather_rows(hidden, layers, flat),  # (L, n, d)
                input_ids.flatten()[flat],
                sentence_ids.repeat_interleave(s)[flat],
                label="geometry (tokens)",
            )
            if padding:
                length = torch.tensor(lengths, dtype=torch.long, device=device)  # (b,)
                with_pad = (length < limit).nonzero().flatten()  # (p,)
                view.pad_vectors = gather_rows(hidden, layers, with_pad * s + length[with_pad])
                view.pad_lengths = length[with_pad]
                view.sentence_lengths = length
                view.pad_token_id = encoder.pad_id
            views["token"] = view
        if "sentence" in levels:
            pooled = self._pooled(hidden, layers, attention)
            views["sentence"] = ViewBatch(
                pooled, sentence_ids, sentence_ids, label="geometry (sentences)"
            )  # (L, b, d)
        return GeometryBatch(views, len(ids))


def mean_pooled(
    hidden: Sequence[torch.Tensor], layers: Sequence[int], attention: torch.Tensor
) -> torch.Tensor:
    """(L, b, d) mean of each sentence's attended tokens at every chosen layer, as one
    batched product per layer (mask (b, 1, s) @ states (b, s, d)), which on this project's
    CPU took half the time of the elementwise mask-multiply-and-sum."""
    weights = attention.to(hidden[layers[0]].dtype)  # (b, s)
    counts = weights.sum(1, keepdim=True).clamp(min=1e-9)  # (b, 1)
    return torch.stack([torch.bmm(weights[:, None], hidden[i])[:, 0] / counts for i in layers])


def gather_rows(
    hidden: Sequence[torch.Tensor], layers: Sequence[int], flat: torch.Tensor
) -> torch.Tensor:
    """(L, n, d): rows ``flat`` of the (b·s, d) grid of each chosen layer's (b, s, d) hidden
    states, copied once into one stacked tensor."""
    first = hidden[layers[0]]
    out = first.new_empty(len(layers), len(flat), first.shape[-1])
    for i, layer in enumerate(layers):
        torch.index_select(hidden[layer].reshape(-1, first.shape[-1]), 0, flat, out=out[i])
    return out


def _stacked(
    vectors, layers: Sequence[int] | None, name: str
) -> tuple[torch.Tensor, tuple[int, ...]]:
    """(L, n, d) real tensor and layer ids from {layer: (n, d)}, (L, n, d) or (n, d) input."""
    if isinstance(vectors, dict):
        keys = tuple(sorted(vectors))
        parts = [_real(as_tensor(vectors[k], name=f"{name}[{k}]"), f"{name}[{k}]") for k in keys]
        shapes = {k: tuple(p.shape) for k, p in zip(keys, parts, strict=True)}
        if len(set(shapes.values())) > 1 or parts[0].dim() != 2:
            raise CselabError(
                f"{name}: every layer must be (n, d) with the same n and d, got shapes {shapes}"
            )
        return torch.stack(parts), keys
    x = _real(as_tensor(vectors, name=name), name)
    if x.dim() == 2:
        x = x[None]
    if x.dim() != 3:
        raise CselabError(f"{name} of shape {tuple(x.shape)}: give (n, d) or (layers, n, d)")
    ids = tuple(range(x.shape[0])) if layers is None else tuple(layers)
    if len(ids) != x.shape[0]:
        raise CselabError(f"layers {list(ids)} for vectors of {x.shape[0]} layers")
    return x, ids


def _real(x: torch.Tensor, name: str) -> torch.Tensor:
    """``x`` if its values are real numbers; complex or boolean input is an error."""
    if x.is_complex() or x.dtype == torch.bool:
        raise CselabError(f"{name}: expected real numbers, got dtype {x.dtype}")
    return x


def _whole(ids: torch.Tensor, name: str) -> torch.Tensor:
    """Ids (n,) as long; fractional values are an error (not silently truncated)."""
    if ids.is_floating_point() and not bool((ids == ids.round()).all()):
        raise CselabError(f"{name}: expected whole numbers, got fractional values")
    if ids.is_complex() or ids.dtype == torch.bool:
        raise CselabError(f"{name}: expected whole numbers, got dtype {ids.dtype}")
    return ids.long()


def token_vector_batches(
    vectors, token_ids, sentence_ids, *, layers: Sequence[int] | None = None,
    batch_sentences: int = 256,
) -> tuple[tuple[int, ...], Iterator[GeometryBatch]]:  # fmt: skip
    """Precomputed token vectors ((n, d), (L, n, d) or {layer: (n, d)}; numpy or torch)
    with their token ids (n,) and contiguous sentence ids (n,), cut into batches of
    ``batch_sentences`` sentences: (layer ids, batches of the ``token`` level)."""
    x, ids = _stacked(vectors, layers, "token_vectors")
    if token_ids is None or sentence_ids is None:
        raise CselabError(
            "token_vectors need token_ids (the word type of each token) and sentence_ids "
            "(the sentence of each token), one per token vector"
        )
    token_ids = _whole(as_tensor(token_ids, name="token_ids"), "token_ids")
    sentence_ids = _whole(as_tensor(sentence_ids, name="sentence_ids"), "sentence_ids")
    for name, values in (("token_ids", token_ids), ("sentence_ids", sentence_ids)):
        if values.shape != (x.shape[1],):
            raise CselabError(
                f"{name} of shape {tuple(values.shape)} for {x.shape[1]} token vectors"
            )
    _, lengths = sentence_runs(sentence_ids, "token vectors")  # one sentence, one place

    def batches() -> Iterator[GeometryBatch]:
        starts = torch.cumsum(lengths, 0) - lengths  # (s,) first row of each sentence
        bounds = [*starts[::batch_sentences].tolist(), len(sentence_ids)]
        for a, b in itertools.pairwise(bounds):
            view = ViewBatch(x[:, a:b], token_ids[a:b], sentence_ids[a:b], label="token vectors")
            yield GeometryBatch({"token": view}, len(torch.unique(sentence_ids[a:b])))

    return ids, batches()


def sentence_vector_batches(
    vectors, *, layers: Sequence[int] | None = None, batch_sentences: int = 4096
) -> tuple[tuple[int, ...], Iterator[GeometryBatch]]:
    """Precomputed sentence vectors ((n, d), (L, n, d) or {layer: (n, d)}; numpy or torch),
    one sentence each: (layer ids, batches of the ``sentence`` level)."""
    x, ids = _stacked(vectors, layers, "sentence_vectors")

    def batches() -> Iterator[GeometryBatch]:
        for a in range(0, x.shape[1], batch_sentences):
            sids = torch.arange(a, min(a + batch_sentences, x.shape[1]))
            view = ViewBatch(x[:, a : a + batch_sentences], sids, sids, label="sentence vectors")
            yield GeometryBatch({"sentence": view}, len(sids))

    return ids, batches()
