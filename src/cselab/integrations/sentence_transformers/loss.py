"""Any cselab loss as a ``SentenceTransformerTrainer`` loss.

``CselabLoss(model, "arccon", margin_degrees=10)`` is called by the trainer as its own
losses are, ``loss(sentence_features, labels) -> scalar``: the dataset's text columns, in
order, are the loss's anchor, positive (and hard negative); each column is embedded in its
own forward pass, as cselab's trainer does (:func:`cselab.training.step.embed_columns`), so
the value on a batch is the one cselab's trainer computes on it. Under several processes
the loss's multi-process form is used (its anchors against every process's candidates, or
the whole batch gathered), and a loss without one is refused. The named parts of the last
batch are in ``loss.last_parts``.

A loss with a target network (BYOL) updates it after every optimizer step through
``callbacks=[loss.trainer_callback]`` passed to the trainer; training without it is an
error, not a silently frozen target.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import nn
from transformers import TrainerCallback

from cselab.errors import CselabError
from cselab.losses import LOSSES
from cselab.losses.base import COLUMNS, Loss, Parts, check_columns, check_declarations
from cselab.training.distributed import GatheredLoss, get_world_size
from cselab.training.step import embed_columns


def build_cselab_loss(loss: str | Loss, params: dict[str, Any]) -> tuple[str, Loss]:
    """(name, module) from a ``LOSSES`` name and its hyper-parameters, or a built module."""
    if isinstance(loss, Loss):
        if params:
            raise CselabError(
                f"give hyper-parameters to the loss module or by name, not both: {params}"
            )
        name = next((k for k, v in LOSSES.items() if type(loss) is v), type(loss).__name__)
        return name, loss
    if loss not in LOSSES:
        raise CselabError(f"unknown loss {loss!r}; choose one of {sorted(LOSSES)}")
    try:
        return loss, LOSSES[loss](**params)
    except TypeError as exc:
        raise CselabError(f"loss {loss!r} rejects the arguments {params}: {exc}") from exc


class _AfterStep(TrainerCallback):
    """Runs the loss's ``after_step`` hook after each optimizer step of the trainer."""

    def __init__(self, owner: CselabLoss) -> None:
        self.owner = owner

    def on_train_begin(self, args, state, control, **kwargs):
        self.owner.hooked = True

    def on_step_end(self, args, state, control, **kwargs):
        self.owner.loss.after_step(self.owner.online)


class CselabLoss(nn.Module):
    """``LOSSES[name](**params)`` (or a built cselab loss) for ``SentenceTransformerTrainer``."""

    def __init__(self, model: nn.Module, loss: str | Loss, **params: Any) -> None:
        super().__init__()
        self.name, built = build_cselab_loss(loss, params)
        check_declarations(built, self.name)
        self.model = model  # the trainer may swap in its wrapped model (DDP, compile)
        self.__dict__["online"] = model  # the plain model, for the target network's update
        self.loss = built.to(model.device)  # type: ignore[arg-type]
        self.loss.setup(model)
        self.params = params
        self.hooked = False
        self.trainer_callback = _AfterStep(self)

    @property
    def last_parts(self) -> Parts:
        return self.loss.last_parts

    def forward(
        self, sentence_features: Iterable[dict[str, torch.Tensor]], labels: torch.Tensor | None
    ) -> torch.Tensor:
        features = list(sentence_features)
        where = f"the sentence-transformers dataset ({len(features)} text columns)"
        if labels is not None:
            raise CselabError(
                f"{where} has a label/score column, but cselab loss {self.name!r} takes texts "
                "only (anchor, positive, negative): remove the column"
            )
        if not 2 <= len(features) <= len(COLUMNS):
            raise CselabError(f"{where}: cselab losses take 2 or 3 columns {list(COLUMNS)}")
        check_columns(self.loss, COLUMNS[: len(features)], where, self.name)
        if self.loss.target_network and self.model.training and not self.hooked:
            raise CselabError(
                f"loss {self.name!r} keeps a target network updated after every optimizer "
                "step: pass callbacks=[loss.trainer_callback] to SentenceTransformerTrainer"
            )
        self.loss.prepare(features)
        embeddings = embed_columns(self.model, features)
        if get_world_size() > 1:  # the loss's multi-process form (refused when it has none)
            return GatheredLoss(self.loss)(*embeddings)
        return self.loss(*embeddings)

    def get_config_dict(self) -> dict[str, Any]:
        """For the model card: the cselab loss and its hyper-parameters."""
        return {"cselab_loss": self.name, **self.params}
