"""Training objectives; ``LOSSES`` maps a config name to its :class:`~cselab.losses.base.Loss`.

Every loss is called as ``loss(anchor, positive, negative=None) -> scalar tensor``, leaves
its named parts in ``loss.last_parts`` and declares what a trainer needs to know
(``in_batch``, ``gatherable``, ``columns``, ``optional_columns``, ``target_network``); see
:mod:`cselab.losses.base` and docs/objectives.md.
"""

from __future__ import annotations

from cselab.losses.align_uniform import AlignUniform
from cselab.losses.arccon import ArcCon
from cselab.losses.barlow_twins import BarlowTwins
from cselab.losses.base import Loss
from cselab.losses.byol import BYOL
from cselab.losses.hyperspherical import MHE, MHS, MHEModified, MHSModified
from cselab.losses.info_nce import InfoNCE, SymmetricInfoNCE
from cselab.losses.margin import MAT, MET, MPT
from cselab.losses.modified import BarlowTwinsModified, VICRegModified
from cselab.losses.surrogate import SGSurrogate
from cselab.losses.triplet import TripletLoss
from cselab.losses.vicreg import VICReg

LOSSES: dict[str, type[Loss]] = {
    "info_nce": InfoNCE,
    "symmetric_info_nce": SymmetricInfoNCE,
    "triplet": TripletLoss,
    "arccon": ArcCon,
    "mpt": MPT,
    "met": MET,
    "mat": MAT,
    "sg_surrogate": SGSurrogate,
    "align_uniform": AlignUniform,
    "mhe": MHE,
    "mhe_mod": MHEModified,
    "mhs": MHS,
    "mhs_mod": MHSModified,
    "barlow_twins": BarlowTwins,
    "barlow_twins_mod": BarlowTwinsModified,
    "vicreg": VICReg,
    "vicreg_mod": VICRegModified,
    "byol": BYOL,
}
