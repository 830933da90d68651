"""Mean L2 norm vs a loop."""

from __future__ import annotations

import brute_force as bf
import pytest
import torch
from token_data import batches, metric, random_tokens, stream, tiny_bert_tokens

from cselab.errors import CselabError
from cselab.geometry.norms import mean_norm
from cselab.models.token_batch import TokenBatch


def test_random_and_tiny_bert(tiny_model) -> None:
    for x, ids, sids in (random_tokens(seed=7), tiny_bert_tokens(tiny_model)):
        got = stream(metric("l2_norm"), batches(x, ids, sids))
        assert got["l2_norm"] == pytest.approx(bf.mean_norm(x), abs=1e-10)
        assert mean_norm(x) == pytest.approx(bf.mean_norm(x), abs=1e-10)


def test_known_case_reset_and_bad_input() -> None:
    x = torch.tensor([[3.0, 4.0], [0.0, 1.0]])
    streamed = metric("l2_norm")
    streamed.update(TokenBatch(x, torch.arange(2), torch.arange(2), torch.arange(2)))
    assert streamed.compute() == {"l2_norm": pytest.approx(3.0)}
    streamed.reset()
    with pytest.raises(CselabError, match="l2_norm: no tokens"):
        streamed.compute()
    with pytest.raises(CselabError, match="l2_norm: embeddings .* NaN"):
        mean_norm(torch.tensor([[float("nan"), 1.0]]))
