"""Progress of ``SentenceTransformer.encode`` without changing its batches.

``encode`` sorts sentences by length and cuts its own batches; encoding in chunks to
report progress would change those batches (and, by float round-off, near-tied cosines).
A forward hook on the first module (the transformer) sees every batch instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping


@contextlib.contextmanager
def counting_sentences(model, on_batch: Callable[[int], None]) -> Iterator[None]:
    """Inside the block, call ``on_batch(number of sentences)`` after each forward pass of
    ``model``'s transformer; a model without one is left alone."""
    try:
        first = model[0]
    except (TypeError, IndexError, KeyError):
        yield
        return

    def after_forward(_module, args, _output) -> None:
        features = args[0] if args else None  # a dict or a tokenizer's BatchEncoding
        if isinstance(features, Mapping) and "input_ids" in features:
            on_batch(int(features["input_ids"].shape[0]))

    handle = first.register_forward_hook(after_forward)
    try:
        yield
    finally:
        handle.remove()
