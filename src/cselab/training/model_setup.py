"""The model and objective a run trains: load, set the pooling, build the loss.

The sentence embedding comes from the SentenceTransformer's own forward, so the pooling is
whatever its Pooling module does. When the config asks for another pooling, that module is
rebuilt, so the saved checkpoints record the pooling they were trained with (a mismatch
between training and evaluation pooling is a classic trap, e.g. SimCSE's cls + MLP).
"""

from __future__ import annotations

import inspect

import torch

from cselab.errors import CselabError
from cselab.losses.base import Loss
from cselab.models.loading import load_model
from cselab.models.pooling import st_pooling_mode
from cselab.training.config import UNSUPPORTED_LOSSES, TrainConfig


def set_pooling(model, pooling: str) -> None:
    """Replace the model's Pooling module by one with ``pooling`` mode (mean, cls, max)."""
    from sentence_transformers.sentence_transformer.modules import Pooling

    for index, module in enumerate(model):
        if isinstance(module, Pooling):
            dim = module.get_embedding_dimension()
            model[index] = Pooling(dim, pooling_mode=pooling)
            return
    raise CselabError(f"config field 'pooling' = {pooling!r}: the model has no Pooling module")


def prepare_model(config: TrainConfig, source: str | None = None, device: str | None = None):
    """Load ``source`` (default ``config.model``) on ``device`` (default ``config.device``)."""
    device = device or config.device
    model = load_model(source or config.model, device=device, max_seq_length=config.max_seq_length)
    if config.pooling is not None and st_pooling_mode(model) != config.pooling:
        set_pooling(model, config.pooling)
        model.to(device)
    return model


def loss_arguments(config: TrainConfig) -> dict:
    """``loss_params`` plus the config fields a loss takes by name when its constructor
    takes them: ``temperature`` (when set) and ``ema_decay``."""
    from cselab.losses import LOSSES

    params = dict(config.loss_params)
    accepted = inspect.signature(LOSSES[config.loss]).parameters
    if config.temperature is not None and "temperature" in accepted:
        params.setdefault("temperature", config.temperature)
    if "ema_decay" in accepted:
        params.setdefault("ema_decay", config.ema_decay)
    return params


def build_loss(config: TrainConfig, device: str | None = None) -> Loss:
    """Instantiate ``LOSSES[config.loss]``; a bad argument is an error naming the field.
    The trainer then calls its ``setup(model)`` hook."""
    from cselab.losses import LOSSES

    if config.loss in UNSUPPORTED_LOSSES:
        raise CselabError(
            f"config field 'loss' = {config.loss!r}: {UNSUPPORTED_LOSSES[config.loss]}"
        )
    params = loss_arguments(config)
    accepted = inspect.signature(LOSSES[config.loss]).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
    unknown = sorted(set(params) - set(accepted))
    if unknown and not takes_any:
        names = ", ".join(name for name in accepted if name != "self") or "none"
        raise CselabError(
            f"config field 'loss_params' = {config.loss_params!r}: {config.loss!r} takes no "
            f"argument {', '.join(map(repr, unknown))}; its arguments: {names}"
        )
    try:
        return LOSSES[config.loss](**params).to(device or config.device)
    except TypeError as exc:
        raise CselabError(
            f"config field 'loss_params' = {config.loss_params!r}: {config.loss!r} rejects it ({exc})"
        ) from exc


def build_optimizer(params, config: TrainConfig) -> torch.optim.Optimizer:
    """AdamW over ``params``; the fused kernel where the device has one (the default of the
    Hugging Face trainer, ``adamw_torch_fused``: the same update, one kernel for all
    tensors instead of a Python loop over them), the plain implementation elsewhere."""
    params = list(params)
    lr, decay = config.learning_rate, config.weight_decay
    try:
        return torch.optim.AdamW(params, lr=lr, weight_decay=decay, fused=True)
    except (RuntimeError, ValueError):  # a device or dtype without the fused kernel
        return torch.optim.AdamW(params, lr=lr, weight_decay=decay)
