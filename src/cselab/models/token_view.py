"""The token view: per layer, the contextual embedding of every sub-word token.

Hidden state 0 is the input-embedding layer, 1..L the transformer layers (as in Xiao et
al. 2023). A sentence's tokens keep their corpus-wide sentence id and their position in
the tokenized sentence. Special tokens ([CLS], [SEP], <s>, </s>) are left out by default
(they are not words of the sentence) and can be kept with ``include_special=True``;
padding is never part of the view except when a protocol asks for it explicitly.

Sentences longer than the model allows are truncated with one warning that counts them and
names the first; ``strict=True`` turns that into a :class:`CselabError`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch

from cselab.errors import CselabError
from cselab.models.encoder import as_encoder
from cselab.models.token_batch import TokenBatch


@dataclass
class TokenizedCorpus:
    """Token ids and special-token flags of every sentence (unpadded, truncated)."""

    input_ids: list[list[int]]
    special: list[list[int]]
    n_truncated: int

    @property
    def lengths(self) -> list[int]:
        return [len(ids) for ids in self.input_ids]


@dataclass
class EncodedBatch:
    """One forward pass: all hidden states of a padded batch.

    hidden_states:  tuple of L+1 tensors (b, s, d); index 0 = input embeddings
    input_ids:      (b, s) long, right-padded
    attention_mask: (b, s) bool, True for real tokens
    special_mask:   (b, s) bool, True for special tokens (False on padding)
    sentence_ids:   (b,) long, corpus-wide sentence index
    """

    hidden_states: tuple[torch.Tensor, ...]
    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    special_mask: torch.Tensor
    sentence_ids: torch.Tensor

    def selection(self, *, include_special: bool, include_padding: bool = False) -> torch.Tensor:
        """(b, s) bool mask of the tokens to keep."""
        keep = torch.ones_like(self.attention_mask) if include_padding else self.attention_mask
        if not include_special:
            keep = keep & ~self.special_mask
        return keep

    def layer_tokens(self, layer: int, keep: torch.Tensor) -> TokenBatch:
        """The kept tokens of one layer, flattened row-major (a sentence stays contiguous)."""
        b, s = keep.shape
        positions = torch.arange(s, device=keep.device).expand(b, s)  # (b, s)
        sentence_ids = self.sentence_ids.to(keep.device).unsqueeze(1).expand(b, s)
        return TokenBatch(
            self.hidden_states[layer][keep],
            self.input_ids[keep],
            sentence_ids[keep],
            positions[keep],
        )

    def pooled(self, layer: int, pool: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]):
        """(b, d) sentence embeddings of one layer, pooled over non-padding tokens."""
        return pool(self.hidden_states[layer], self.attention_mask)


def check_sentences(sentences: Sequence[str], first_index: int = 0) -> None:
    """Every sentence must be non-empty text; the error names the first that is not."""
    for index, sentence in enumerate(sentences, start=first_index):
        if not isinstance(sentence, str) or not sentence.strip():
            raise CselabError(f"sentence {index} is empty or not text: {sentence!r}")


def tokenize_sentences(
    tokenizer, sentences: Sequence[str], max_length: int
) -> tuple[list[list[int]], list[list[int]], list[tuple[int, int]]]:
    """(input ids, special-token flags, [(index, untruncated length)] of the sentences over
    ``max_length``), special tokens added; the long ones truncated to ``max_length``. One
    tokenizer pass (plus one for the long ones only)."""
    ids, special = _encode(tokenizer, list(sentences))
    too_long = [(i, len(row)) for i, row in enumerate(ids) if len(row) > max_length]
    if too_long:
        short = tokenizer(
            [sentences[i] for i, _ in too_long],
            truncation=True,
            max_length=max_length,
            return_special_tokens_mask=True,
            verbose=False,
        )
        for k, (i, _) in enumerate(too_long):
            ids[i], special[i] = short["input_ids"][k], short["special_tokens_mask"][k]
    return ids, special, too_long


def _encode(tokenizer, texts: list[str]) -> tuple[list[list[int]], list[list[int]]]:
    """(input ids, special-token flags) with special tokens, untruncated. A fast tokenizer's
    Rust backend is called directly, as the transformers wrapper does (no truncation, no
    padding, its ``split_special_tokens`` setting), without the wrapper's per-sentence
    conversion in Python: 0.11 s instead of 0.36 s for 5,000 STS-B sentences."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if not getattr(tokenizer, "is_fast", False) or backend is None:
        encoded = tokenizer(texts, truncation=False, return_special_tokens_mask=True, verbose=False)
        return encoded["input_ids"], encoded["special_tokens_mask"]
    truncation, padding = backend.truncation, backend.padding
    split = backend.encode_special_tokens
    backend.no_truncation()
    backend.no_padding()
    backend.encode_special_tokens = bool(getattr(tokenizer, "split_special_tokens", False))
    try:
        encodings = backend.encode_batch(texts, add_special_tokens=True)
    finally:  # the caller's tokenizer is left as it was
        if truncation is not None:
            backend.enable_truncation(**truncation)
        if padding is not None:
            backend.enable_padding(**padding)
        backend.encode_special_tokens = split
    return [e.ids for e in encodings], [e.special_tokens_mask for e in encodings]


def truncation_message(
    n_long: int, n_sentences: int, max_length: int, first: int, length: int, text: str
) -> str:
    """The one line that counts the over-long sentences and names the first."""
    return (
        f"{n_long} of {n_sentences} sentences exceed the model's limit of {max_length} "
        f"tokens; the first is sentence {first} ({length} tokens): {text[:80]!r}"
    )


def tokenize_corpus(
    tokenizer, sentences: Sequence[str], max_length: int, *, strict: bool = False
) -> TokenizedCorpus:
    """Tokenize with special tokens; truncate to ``max_length`` (warn) or fail (``strict``)."""
    if not sentences:
        raise CselabError("no sentences to tokenize (empty corpus)")
    check_sentences(sentences)
    ids, special, too_long = tokenize_sentences(tokenizer, sentences, max_length)
    if too_long:
        first, length = too_long[0]
        message = truncation_message(
            len(too_long), len(sentences), max_length, first, length, sentences[first]
        )
        if strict:
            raise CselabError(message)
        warnings.warn(message + "; truncated", UserWarning, stacklevel=2)
    return TokenizedCorpus(ids, special, len(too_long))


def pad_rows(rows: list[list[int]], width: int, value: int) -> torch.Tensor:
    """(b, width) long: rows right-padded with ``value``."""
    out = torch.full((len(rows), width), value, dtype=torch.long)  # (b, width)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.tensor(row, dtype=torch.long)
    return out


class TokenEncoder:
    """Runs a model's transformer with all hidden states, batch by batch; ``model`` is
    anything :func:`cselab.models.encoder.as_encoder` takes (a SentenceTransformer, a
    transformers model, an :class:`~cselab.models.encoder.Encoder`).

    ``forward_seconds`` accumulates the time spent in forward passes alone (used by the
    geometry benchmark to compare the whole analysis with the model's own cost).
    """

    def __init__(self, model, *, max_length: int | None = None, strict: bool = False) -> None:
        self.encoder = as_encoder(model)
        self.tokenizer = self.encoder.tokenizer
        self.auto_model = self.encoder.transformer
        self.max_length = int(max_length or self.encoder.max_length)
        self.strict = strict
        self.forward_seconds = 0.0
        self.forward_cpu_seconds = 0.0  # process CPU time of the forward passes
        pad = self.tokenizer.pad_token_id
        self.pad_id = int(pad if pad is not None else 0)

    @property
    def num_hidden_states(self) -> int:
        """L + 1: the input embeddings and every layer."""
        return self.encoder.num_hidden_states

    def tokenize(self, sentences: Sequence[str]) -> TokenizedCorpus:
        return tokenize_corpus(self.tokenizer, sentences, self.max_length, strict=self.strict)

    def batches(
        self,
        corpus: TokenizedCorpus,
        *,
        batch_size: int = 64,
        pad_to: str = "batch",
        sort_by_length: bool = True,
        progress: Callable[[int], None] | None = None,
    ) -> Iterator[EncodedBatch]:
        """Encode the corpus; ``pad_to='corpus'`` pads every batch to the longest sentence."""
        lengths = corpus.lengths
        order = list(range(len(lengths)))
        if sort_by_length:
            order.sort(key=lambda i: lengths[i])
        corpus_width = max(lengths)
        device = self.encoder.device
        for start in range(0, len(order), batch_size):
            ids = order[start : start + batch_size]
            width = corpus_width if pad_to == "corpus" else max(lengths[i] for i in ids)
            input_ids = pad_rows([corpus.input_ids[i] for i in ids], width, self.pad_id)
            attention = pad_rows([[1] * lengths[i] for i in ids], width, 0).bool()
            special = pad_rows([corpus.special[i] for i in ids], width, 0).bool()
            hidden = self.forward(input_ids.to(device), attention.to(device))
            yield EncodedBatch(
                hidden_states=hidden,
                input_ids=input_ids.to(device),
                attention_mask=attention.to(device),
                special_mask=special.to(device),
                sentence_ids=torch.tensor(ids, dtype=torch.long, device=device),
            )
            if progress is not None:
                progress(len(ids))

    def forward(self, input_ids: torch.Tensor, attention: torch.Tensor):
        """All hidden states (float32) of a padded batch in eval mode (no dropout; the
        model's mode is restored after); adds to ``forward_seconds``."""
        start, cpu = time.perf_counter(), time.process_time()
        was_training = self.auto_model.training
        self.auto_model.eval()
        try:
            with torch.inference_mode():
                out = self.auto_model(
                    input_ids=input_ids, attention_mask=attention.long(), output_hidden_states=True
                )
        finally:
            self.auto_model.train(was_training)
        if input_ids.is_cuda:
            torch.cuda.synchronize()
        self.forward_seconds += time.perf_counter() - start
        self.forward_cpu_seconds += time.process_time() - cpu
        return tuple(h.float() for h in out.hidden_states)


@dataclass
class TokenView:
    """All kept tokens of a corpus, with their embeddings per layer.

    embeddings: {layer: (n, d)}; token_ids, sentence_ids, positions: (n,); tokens: n strings
    """

    embeddings: dict[int, torch.Tensor]
    token_ids: torch.Tensor
    sentence_ids: torch.Tensor
    positions: torch.Tensor
    tokens: list[str]


def token_view(
    model,
    sentences: Sequence[str],
    *,
    layers: Sequence[int] | None = None,
    include_special: bool = False,
    batch_size: int = 32,
    max_length: int | None = None,
    strict: bool = False,
) -> TokenView:
    """Per-layer embeddings of every sub-word token of ``sentences``, in corpus order."""
    encoder = TokenEncoder(model, max_length=max_length, strict=strict)
    chosen = list(range(encoder.num_hidden_states)) if layers is None else list(layers)
    if not chosen:
        raise CselabError("layers=[]: choose at least one layer")
    for layer in chosen:
        if not 0 <= layer < encoder.num_hidden_states:
            raise CselabError(f"layer {layer} outside 0..{encoder.num_hidden_states - 1}")
    corpus = encoder.tokenize(sentences)
    parts: list[dict[int, TokenBatch]] = []
    for batch in encoder.batches(corpus, batch_size=batch_size, sort_by_length=False):
        keep = batch.selection(include_special=include_special)
        parts.append({layer: batch.layer_tokens(layer, keep) for layer in chosen})
    first = chosen[0]
    token_ids = torch.cat([p[first].token_ids for p in parts]).cpu()
    return TokenView(
        embeddings={lay: torch.cat([p[lay].embeddings for p in parts]).cpu() for lay in chosen},
        token_ids=token_ids,
        sentence_ids=torch.cat([p[first].sentence_ids for p in parts]).cpu(),
        positions=torch.cat([p[first].positions for p in parts]).cpu(),
        tokens=encoder.tokenizer.convert_ids_to_tokens(token_ids.tolist()),
    )
