"""The one contract every loss in ``LOSSES`` implements, and what a trainer may rely on.

A loss is a pure function of embeddings (never of the model) plus a thin ``nn.Module`` that
holds its hyper-parameters. It is called as torch losses are,
``loss(anchor, positive, negative=None) -> scalar tensor``, with (B, d) tensors (``negative``:
one hard negative per anchor when the data has them). The named parts of the value
(e.g. alignment and uniformity) are in ``loss.last_parts`` after each call: detached 0-d
tensors from the same computation, never a second one.

Each subclass declares, as class attributes, what a trainer needs to know:

- ``in_batch``: the value of an anchor depends on other examples of the batch (in-batch
  negatives or batch statistics), so a batch needs at least 2 rows;
- ``gatherable``: the loss has an exact multi-process form, :meth:`Loss.gathered`: with W
  processes of B rows each, the mean of the W processes' values and (after DDP's averaging
  of parameter gradients) their gradients equal one process with all W·B rows. The default
  form gathers every column and computes the whole batch on every process (exact for any
  deterministic loss; derivation in ``cselab.training.distributed``); candidate losses
  score their own anchors against every process's candidates (cheaper); per-example losses
  compute their own rows. A loss that declares ``gatherable = False`` is refused under
  several processes before anything starts;
- ``columns`` / ``optional_columns``: the text columns it takes, from ``anchor``,
  ``positive``, ``negative`` (a hard negative per anchor);
- ``target_network``: it keeps a network of its own beside the encoder (BYOL's EMA target),
  through the hooks :meth:`Loss.setup`, :meth:`Loss.prepare`, :meth:`Loss.after_step`; its
  ``state_dict`` holds everything a checkpoint must keep.

docs/objectives.md ("Add a loss") lists the steps and the contract test it must pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

import torch
from torch import nn

from cselab.errors import CselabError
from cselab.losses.validation import check_views, detached

COLUMNS = ("anchor", "positive", "negative")
DECLARATIONS = ("in_batch", "gatherable", "columns", "optional_columns", "target_network")
Parts = dict[str, torch.Tensor]


class Gather(Protocol):
    """``gather(x)`` -> every process's ``x`` (n, ...) concatenated in rank order (W·n, ...),
    differentiable; ``rank`` is this process's index."""

    @property
    def rank(self) -> int: ...

    def __call__(self, x: torch.Tensor) -> torch.Tensor: ...


class OneProcess:
    """The :class:`Gather` of a single process: the identity, rank 0."""

    rank = 0

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return x


class Loss(nn.Module):
    """Base of every ``LOSSES`` entry: subclasses declare ``DECLARATIONS`` and implement
    :meth:`loss_and_parts` (and, where cheaper or different, :meth:`gathered_loss_and_parts`)."""

    in_batch: ClassVar[bool]
    gatherable: ClassVar[bool]
    columns: ClassVar[tuple[str, ...]]
    optional_columns: ClassVar[tuple[str, ...]]
    target_network: ClassVar[bool]

    def __init__(self) -> None:
        super().__init__()
        self.last_parts: Parts = {}

    def loss_and_parts(
        self, anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor | None
    ) -> tuple[torch.Tensor, Parts]:
        """(scalar loss, named parts) of one batch; checks its inputs."""
        raise NotImplementedError

    def gathered_loss_and_parts(
        self,
        anchor: torch.Tensor,
        positive: torch.Tensor,
        negative: torch.Tensor | None,
        gather: Gather,
    ) -> tuple[torch.Tensor, Parts]:
        """This process's value under several processes: by default the whole batch's loss,
        every column gathered (with gradients) from every process."""
        check_views(anchor, positive, negative)
        whole = [gather(x) if x is not None else None for x in (anchor, positive, negative)]
        return self.loss_and_parts(*whole)  # type: ignore[arg-type]

    def forward(
        self, anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor | None = None
    ) -> torch.Tensor:
        value, parts = self.loss_and_parts(anchor, positive, negative)
        self.last_parts = detached(**parts)
        return value

    def gathered(
        self,
        anchor: torch.Tensor,
        positive: torch.Tensor,
        negative: torch.Tensor | None = None,
        *,
        gather: Gather,
    ) -> torch.Tensor:
        """The multi-process form (``gatherable`` losses only): this process's local columns
        (B, d) in, this process's share of the loss out; ``last_parts`` as for a call."""
        if not type(self).gatherable:
            raise CselabError(f"loss {type(self).__name__} has no multi-process form")
        value, parts = self.gathered_loss_and_parts(anchor, positive, negative, gather)
        self.last_parts = detached(**parts)
        return value

    def setup(self, encoder: nn.Module) -> None:
        """Once, after the encoder is loaded and before the optimizer is built (then
        ``parameters()`` holds everything the loss trains). Default: nothing."""

    def prepare(self, columns: Sequence[Any]) -> None:
        """Before each step's forward, with the step's tokenized columns. Default: nothing."""

    def after_step(self, encoder: nn.Module) -> None:
        """After each optimizer step. Default: nothing."""


def check_declarations(loss: type | nn.Module, name: str | None = None) -> type[Loss]:
    """The loss class, after checking it declares every item of ``DECLARATIONS`` with the
    right type; a missing one is an error naming it (never a silent default)."""
    cls: Any = loss if isinstance(loss, type) else type(loss)
    label = name or cls.__name__
    for item in DECLARATIONS:
        value = getattr(cls, item, None)
        expected = tuple if item.endswith("columns") else bool
        if not isinstance(value, expected):
            raise CselabError(
                f"loss {label!r} does not declare {item!r} ({expected.__name__}); "
                "see docs/objectives.md, 'Add a loss'"
            )
    unknown = set(cls.columns + cls.optional_columns) - set(COLUMNS)
    if unknown or not {"anchor", "positive"} <= set(cls.columns):
        raise CselabError(
            f"loss {label!r} declares columns {cls.columns} + {cls.optional_columns}; "
            f"they must include anchor and positive and come from {COLUMNS}"
        )
    return cls


def check_columns(
    loss: type | nn.Module, given: Sequence[str], where: str, name: str | None = None
) -> None:
    """The columns ``given`` by the data (``where`` names it) suit the loss (``name``):
    every column it needs, none it does not take (only ``negative`` can be either)."""
    cls = check_declarations(loss, name)
    label = repr(name) if name else cls.__name__
    taken = cls.columns + cls.optional_columns
    if any(c not in given for c in cls.columns):
        raise CselabError(
            f"{where}: loss {label} needs hard negatives (columns {list(cls.columns)}); "
            f"the data gives {list(given)}"
        )
    if any(c not in taken for c in given):
        raise CselabError(
            f"{where}: loss {label} takes no hard negatives (columns {list(taken)}); "
            f"the data gives {list(given)}"
        )


class TwoViewLoss(Loss):
    """Declarations shared by the losses of two views with batch statistics and no hard
    negatives (alignment/uniformity, Barlow Twins, VICReg, MHE/MHS and the modified forms):
    gathered, they compute the whole batch on every process (the default form)."""

    in_batch: ClassVar[bool] = True
    gatherable: ClassVar[bool] = True
    columns: ClassVar[tuple[str, ...]] = ("anchor", "positive")
    optional_columns: ClassVar[tuple[str, ...]] = ()
    target_network: ClassVar[bool] = False
