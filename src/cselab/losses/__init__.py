"""Training objectives; ``LOSSES`` maps a config name to its ``nn.Module`` class."""

from __future__ import annotations

from torch import nn

LOSSES: dict[str, type[nn.Module]] = {}
