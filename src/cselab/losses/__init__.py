"""Training objectives; ``LOSSES`` maps a config name to its :class:`~cselab.losses.base.Loss`.

Every loss is called as ``loss(anchor, positive, negative=None) -> scalar tensor``, leaves
its named parts in ``loss.last_parts`` and declares what a trainer needs to know
(``in_batch``, ``gatherable``, ``columns``, ``optional_columns``, ``target_network``); see
:mod:`cselab.losses.base` and docs/objectives.md. ``get_loss(name, **params)`` builds one.

``LOSSES`` lists its names without importing torch (the command line's help reads them);
a class is imported when first looked up (:class:`cselab.lazy.LazyRegistry`).
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from cselab.errors import CselabError
from cselab.lazy import LazyRegistry, lazy_attributes

if TYPE_CHECKING:
    from cselab.losses.align_uniform import AlignUniform as AlignUniform
    from cselab.losses.arccon import ArcCon as ArcCon
    from cselab.losses.barlow_twins import BarlowTwins as BarlowTwins
    from cselab.losses.base import Loss as Loss
    from cselab.losses.byol import BYOL as BYOL
    from cselab.losses.hyperspherical import (
        MHE as MHE,
        MHS as MHS,
        MHEModified as MHEModified,
        MHSModified as MHSModified,
    )
    from cselab.losses.info_nce import (
        InfoNCE as InfoNCE,
        SymmetricInfoNCE as SymmetricInfoNCE,
    )
    from cselab.losses.margin import (
        MAT as MAT,
        MET as MET,
        MPT as MPT,
    )
    from cselab.losses.modified import (
        BarlowTwinsModified as BarlowTwinsModified,
        VICRegModified as VICRegModified,
    )
    from cselab.losses.surrogate import SGSurrogate as SGSurrogate
    from cselab.losses.triplet import TripletLoss as TripletLoss
    from cselab.losses.vicreg import VICReg as VICReg

LAZY = {
    "AlignUniform": "cselab.losses.align_uniform",
    "ArcCon": "cselab.losses.arccon",
    "BarlowTwins": "cselab.losses.barlow_twins",
    "Loss": "cselab.losses.base",
    "BYOL": "cselab.losses.byol",
    "MHE": "cselab.losses.hyperspherical",
    "MHS": "cselab.losses.hyperspherical",
    "MHEModified": "cselab.losses.hyperspherical",
    "MHSModified": "cselab.losses.hyperspherical",
    "InfoNCE": "cselab.losses.info_nce",
    "SymmetricInfoNCE": "cselab.losses.info_nce",
    "MAT": "cselab.losses.margin",
    "MET": "cselab.losses.margin",
    "MPT": "cselab.losses.margin",
    "BarlowTwinsModified": "cselab.losses.modified",
    "VICRegModified": "cselab.losses.modified",
    "SGSurrogate": "cselab.losses.surrogate",
    "TripletLoss": "cselab.losses.triplet",
    "VICReg": "cselab.losses.vicreg",
}

LOSSES: LazyRegistry[type[Loss]] = LazyRegistry(
    {
        name: f"{LAZY[cls]}:{cls}"
        for name, cls in (
            ("info_nce", "InfoNCE"),
            ("symmetric_info_nce", "SymmetricInfoNCE"),
            ("triplet", "TripletLoss"),
            ("arccon", "ArcCon"),
            ("mpt", "MPT"),
            ("met", "MET"),
            ("mat", "MAT"),
            ("sg_surrogate", "SGSurrogate"),
            ("align_uniform", "AlignUniform"),
            ("mhe", "MHE"),
            ("mhe_mod", "MHEModified"),
            ("mhs", "MHS"),
            ("mhs_mod", "MHSModified"),
            ("barlow_twins", "BarlowTwins"),
            ("barlow_twins_mod", "BarlowTwinsModified"),
            ("vicreg", "VICReg"),
            ("vicreg_mod", "VICRegModified"),
            ("byol", "BYOL"),
        )
    }
)


def get_loss(name: str, **params: Any) -> Loss:
    """``LOSSES[name](**params)``: a loss module with its hyper-parameters (e.g.
    ``get_loss("info_nce", temperature=0.05)``); an unknown name or parameter is a
    :class:`CselabError` naming it and the choices."""
    if name not in LOSSES:
        raise CselabError(f"unknown loss {name!r}; choose one of {sorted(LOSSES)}")
    cls = LOSSES[name]
    accepted = inspect.signature(cls).parameters
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise CselabError(
            f"loss {name!r} takes no parameter(s) {unknown}; its parameters: {list(accepted)}"
        )
    return cls(**params)


__getattr__, __dir__ = lazy_attributes(globals(), LAZY)
__all__ = ["LOSSES", "get_loss", *LAZY]
