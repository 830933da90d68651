"""GradCache must give the parameter gradients of the plain full-batch loss.

The reference is written independently here: embed every column with a graph (the whole
column at once, or mini-batch by mini-batch so dropout draws the same masks), compute the
loss on the concatenated embeddings, one ``backward``. Float64 throughout, so a tolerance
of 1e-9 (relative to the gradient's scale) only absorbs summation-order rounding.
"""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from cselab.errors import CselabError
from cselab.losses import LOSSES
from cselab.training.gradcache import (
    RngState,
    gradcache_step,
    sentence_embedding_fn,
    split_features,
)

ANCHORS = [
    "A man is playing a guitar.",
    "Two dogs run across the field.",
    "The stock market fell sharply today.",
    "She is reading a book in the park.",
    "A child kicks a red ball.",
    "The weather is cold and rainy.",
]
POSITIVES = [
    "Someone plays an instrument.",
    "Dogs are running outside.",
    "Shares dropped a lot.",
    "A woman reads outdoors.",
    "A kid plays football.",
    "It is a wet, chilly day.",
]
NEGATIVES = [
    "Nobody is making music.",
    "The cats sleep indoors.",
    "Markets rallied to a record.",
    "He is writing a letter at home.",
    "An adult sits still.",
    "The sun is hot and bright.",
]

# (loss name, uses the hard-negative column)
CASES = [("info_nce", False), ("info_nce", True), ("symmetric_info_nce", False)]


def _model(tiny_model, *, dropout: bool) -> nn.Module:
    model = copy.deepcopy(tiny_model).double()
    model.train() if dropout else model.eval()
    return model


def _columns(model, with_negative: bool) -> list[dict[str, torch.Tensor]]:
    texts = [ANCHORS, POSITIVES] + ([NEGATIVES] if with_negative else [])
    return [model.tokenize(column) for column in texts]


def _grads(model: nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def _reference(model, columns, loss, *, seed: int, chunk: int | None) -> torch.Tensor:
    """Plain full-batch loss with one backward; ``chunk`` embeds in pieces (same dropout draws)."""
    torch.manual_seed(seed)
    embeddings = []
    for column in columns:
        rows = column["input_ids"].shape[0]
        step = chunk or rows
        parts = [
            model({k: v[s : s + step] if torch.is_tensor(v) else v for k, v in column.items()})[
                "sentence_embedding"
            ]
            for s in range(0, rows, step)
        ]
        embeddings.append(torch.cat(parts))
    value = loss(*embeddings)
    value.backward()
    return value.detach()


def _assert_same_grads(got: dict[str, torch.Tensor], want: dict[str, torch.Tensor]) -> None:
    """Equal up to 1e-9 of the largest gradient entry (some, like the attention key bias, are
    exactly zero in theory and ~1e-20 rounding noise in practice)."""
    assert got.keys() == want.keys() and len(want) > 10
    scale = max(float(g.abs().max()) for g in want.values())
    assert scale > 1e-6  # the comparison is not vacuous
    for name, expected in want.items():
        assert torch.allclose(got[name], expected, rtol=1e-9, atol=1e-9 * scale), name


def _run_gradcache(model, columns, loss, *, seed: int, mini_batch_size: int) -> torch.Tensor:
    torch.manual_seed(seed)
    return gradcache_step(
        sentence_embedding_fn(model), columns, loss, mini_batch_size=mini_batch_size
    )


@pytest.mark.parametrize(
    "name,with_negative,mini_batch_size", [(*case, 4) for case in CASES] + [("info_nce", True, 1)]
)
def test_gradients_equal_full_batch_with_dropout(tiny_model, name, with_negative, mini_batch_size):
    loss = LOSSES[name](temperature=0.1)
    reference_model = _model(tiny_model, dropout=True)
    cached_model = _model(tiny_model, dropout=True)
    columns = _columns(reference_model, with_negative)

    want_loss = _reference(reference_model, columns, loss, seed=3, chunk=mini_batch_size)
    want_rng = torch.get_rng_state()
    got = _run_gradcache(cached_model, columns, loss, seed=3, mini_batch_size=mini_batch_size)

    assert torch.allclose(got, want_loss, rtol=1e-12, atol=0)
    _assert_same_grads(_grads(cached_model), _grads(reference_model))
    assert torch.equal(torch.get_rng_state(), want_rng)  # later randomness unaffected
    assert "positive_similarity" in loss.last_parts


@pytest.mark.parametrize("name,with_negative", CASES)
def test_gradients_equal_one_unchunked_forward_without_dropout(tiny_model, name, with_negative):
    loss = LOSSES[name](temperature=0.05)
    reference_model = _model(tiny_model, dropout=False)
    cached_model = _model(tiny_model, dropout=False)
    columns = _columns(reference_model, with_negative)

    want_loss = _reference(reference_model, columns, loss, seed=0, chunk=None)
    got = _run_gradcache(cached_model, columns, loss, seed=0, mini_batch_size=4)

    assert torch.allclose(got, want_loss, rtol=1e-12, atol=0)
    _assert_same_grads(_grads(cached_model), _grads(reference_model))


def test_dropout_replay_is_what_makes_it_exact(tiny_model, monkeypatch):
    """Negative controls: another seed, or skipping the RNG restore, changes the gradients."""
    loss = LOSSES["info_nce"](temperature=0.1)
    reference_model = _model(tiny_model, dropout=True)
    columns = _columns(reference_model, False)
    _reference(reference_model, columns, loss, seed=3, chunk=2)
    want = _grads(reference_model)

    other_seed = _model(tiny_model, dropout=True)
    _run_gradcache(other_seed, columns, loss, seed=4, mini_batch_size=2)
    no_replay = _model(tiny_model, dropout=True)
    monkeypatch.setattr(RngState, "restore", lambda self: None)
    _run_gradcache(no_replay, columns, loss, seed=3, mini_batch_size=2)

    for model in (other_seed, no_replay):
        got = _grads(model)
        assert any(not torch.allclose(got[n], want[n], rtol=1e-6, atol=1e-9) for n in want)


class _LearnedTemperatureInfoNCE(nn.Module):
    """A loss with its own parameter (log τ), to check it receives its gradient too."""

    def __init__(self) -> None:
        super().__init__()
        self.log_tau = nn.Parameter(torch.tensor(-2.0, dtype=torch.float64))

    def forward(self, anchor, positive, negative=None):
        a = nn.functional.normalize(anchor, dim=-1)
        p = nn.functional.normalize(positive, dim=-1)
        logits = a @ p.T / self.log_tau.exp()  # (B, B)
        target = torch.arange(anchor.shape[0])
        return nn.functional.cross_entropy(logits, target)


def test_loss_parameters_and_accumulation(tiny_model):
    reference_model = _model(tiny_model, dropout=True)
    cached_model = _model(tiny_model, dropout=True)
    ref_loss, cached_loss = _LearnedTemperatureInfoNCE(), _LearnedTemperatureInfoNCE()
    columns = _columns(reference_model, False)
    _reference(reference_model, columns, ref_loss, seed=1, chunk=3)
    _reference(reference_model, columns, ref_loss, seed=2, chunk=3)  # grads accumulate
    _run_gradcache(cached_model, columns, cached_loss, seed=1, mini_batch_size=3)
    _run_gradcache(cached_model, columns, cached_loss, seed=2, mini_batch_size=3)

    _assert_same_grads(_grads(cached_model), _grads(reference_model))
    assert torch.allclose(cached_loss.log_tau.grad, ref_loss.log_tau.grad, rtol=1e-9, atol=0)


def test_split_features_keeps_rows_in_order():
    features = {"input_ids": torch.arange(10).view(5, 2), "attention_mask": torch.ones(5, 2)}
    chunks = split_features(features, 2)
    assert [c["input_ids"].shape[0] for c in chunks] == [2, 2, 1]
    assert torch.equal(torch.cat([c["input_ids"] for c in chunks]), features["input_ids"])
    assert [t.tolist() for t in split_features(torch.arange(3), 5)] == [[0, 1, 2]]


def _linear_embed(x: torch.Tensor) -> torch.Tensor:
    return x * 2.0


def test_bad_inputs_name_what_is_wrong():
    x = torch.randn(4, 3)
    info_nce = LOSSES["info_nce"]()
    with pytest.raises(CselabError, match="mini_batch_size must be >= 1, got 0"):
        gradcache_step(_linear_embed, [x, x], info_nce, mini_batch_size=0)
    with pytest.raises(CselabError, match="mini_batch_size must be an int, got 2.5"):
        gradcache_step(_linear_embed, [x, x], info_nce, mini_batch_size=2.5)
    with pytest.raises(CselabError, match="at least one column"):
        gradcache_step(_linear_embed, [], info_nce, mini_batch_size=2)
    bad = {"input_ids": torch.zeros(4, 2), "attention_mask": torch.zeros(3, 2)}
    with pytest.raises(CselabError, match="disagree on the batch size"):
        split_features(bad, 2)
    with pytest.raises(
        CselabError, match=r"embed\(column 0, mini-batch 0\) must return a \(2, dim\)"
    ):
        gradcache_step(lambda f: f.sum(), [x, x], info_nce, mini_batch_size=2)

    def nan_loss(a, p):
        return (a * float("nan")).sum()

    w = torch.randn(3, 3, requires_grad=True)
    with pytest.raises(CselabError, match="the loss is nan"):
        gradcache_step(lambda f: f @ w, [x, x], nan_loss, mini_batch_size=2)
    assert w.grad is None  # nothing was applied
