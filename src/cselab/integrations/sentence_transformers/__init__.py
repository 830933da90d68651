"""cselab's losses and probes inside a ``SentenceTransformerTrainer``.

- :class:`CselabLoss`: any ``LOSSES`` entry as the trainer's loss;
- :class:`CselabEvaluator`: per-layer geometry, gradient parts and STS in the trainer's
  evaluation logs, with a primary metric.

Both need the sentence-transformers trainer (``pip install "sentence-transformers[train]"``);
docs/training.md shows a run.
"""

from cselab.integrations.sentence_transformers.evaluator import CselabEvaluator
from cselab.integrations.sentence_transformers.loss import CselabLoss

__all__ = ["CselabEvaluator", "CselabLoss"]
