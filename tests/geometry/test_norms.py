"""Mean L2 norm vs a loop."""

from __future__ import annotations

import brute_force as bf
import pytest
import torch
from token_data import batches, random_tokens, stream, tiny_bert_tokens

from cselab.errors import CselabError
from cselab.geometry.base import TokenBatch
from cselab.geometry.norms import MeanNorm, mean_norm


def test_random_and_tiny_bert(tiny_model) -> None:
    for x, ids, sids in (random_tokens(seed=7), tiny_bert_tokens(tiny_model)):
        got = stream(MeanNorm(), batches(x, ids, sids))
        assert got["l2_norm"] == pytest.approx(bf.mean_norm(x), abs=1e-10)
        assert mean_norm(x) == pytest.approx(bf.mean_norm(x), abs=1e-10)


def test_known_case_reset_and_bad_input() -> None:
    x = torch.tensor([[3.0, 4.0], [0.0, 1.0]])
    metric = MeanNorm()
    metric.update(TokenBatch(x, torch.arange(2), torch.arange(2), torch.arange(2)))
    assert metric.compute() == {"l2_norm": pytest.approx(3.0)}
    metric.reset()
    with pytest.raises(CselabError, match="l2_norm: no tokens"):
        metric.compute()
    with pytest.raises(CselabError, match="l2_norm: embeddings .* NaN"):
        mean_norm(torch.tensor([[float("nan"), 1.0]]))
