"""cselab: contrastive sentence-representation learning, measured.

Train sentence encoders with the field's objectives, measure the geometry of their
embedding spaces layer by layer (Xiao et al. 2023), explain training through the
gradients of the objectives (Li et al. 2024), and evaluate on STS.

The public API (docs/api.md); each name is imported on first use, so ``import cselab``
loads no torch::

    import cselab

    model = cselab.load_model("all-MiniLM-L6-v2")
    result = cselab.analyze_geometry(model, sentences)  # result.table: tidy rows
    cselab.evaluate_sts(model, "stsb:../shared/data/stsbenchmark?split=test")

Models are given as a name or path, a SentenceTransformer, or a transformers model (with
``tokenizer=``); vectors computed elsewhere go to :func:`analyze_embeddings`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cselab.lazy import lazy_attributes

__version__ = "0.1.0"

if TYPE_CHECKING:
    from cselab.errors import CselabError as CselabError
    from cselab.evaluation.sts import evaluate_sts as evaluate_sts
    from cselab.geometry.analysis import (
        analyze_embeddings as analyze_embeddings,
        analyze_geometry as analyze_geometry,
    )
    from cselab.geometry.comparison import compare_models as compare_models
    from cselab.gradients.batch_parts import gradient_parts as gradient_parts
    from cselab.losses import LOSSES as LOSSES, get_loss as get_loss
    from cselab.models.loading import load_model as load_model
    from cselab.results.reading import read_results as read_results
    from cselab.training.config import TrainConfig as TrainConfig
    from cselab.training.trainer import train as train

#: name -> the module it is imported from on first use.
LAZY = {
    "load_model": "cselab.models.loading",
    "analyze_geometry": "cselab.geometry.analysis",
    "analyze_embeddings": "cselab.geometry.analysis",
    "compare_models": "cselab.geometry.comparison",
    "evaluate_sts": "cselab.evaluation.sts",
    "LOSSES": "cselab.losses",
    "get_loss": "cselab.losses",
    "gradient_parts": "cselab.gradients.batch_parts",
    "train": "cselab.training.trainer",
    "TrainConfig": "cselab.training.config",
    "read_results": "cselab.results.reading",
    "CselabError": "cselab.errors",
}
__getattr__, __dir__ = lazy_attributes(globals(), LAZY)
__all__ = [*LAZY, "__version__"]
