import pytest
import torch

from cselab.errors import CselabError
from cselab.models.pooling import POOLINGS, get_pooling


def test_mean_pool_ignores_padding():
    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]])
    mask = torch.tensor([[1, 1, 0]])
    assert torch.allclose(POOLINGS["mean"](hidden, mask), torch.tensor([[2.0, 3.0]]))


def test_max_pool_ignores_padding():
    hidden = torch.tensor([[[1.0, -5.0], [3.0, -4.0], [100.0, 100.0]]])
    mask = torch.tensor([[1, 1, 0]])
    assert torch.equal(POOLINGS["max"](hidden, mask), torch.tensor([[3.0, -4.0]]))


def test_cls_pool_takes_first_token():
    hidden = torch.randn(2, 4, 3)
    assert torch.equal(POOLINGS["cls"](hidden, torch.ones(2, 4)), hidden[:, 0])


def test_unknown_pooling_names_choices():
    with pytest.raises(CselabError, match="unknown pooling 'sum'.*mean"):
        get_pooling("sum")
