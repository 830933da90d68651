"""Collect: the specs' pure computes on the merged statistics, as a tidy table.

Per layer and level, every planned family's ``compute`` runs on that layer's statistic
values; a family that is undefined on the input (:class:`MetricUndefined`, or NaN values)
is left out with a warning naming it and the layer (the table never holds NaN). The
adjusted values of Xiao et al. (2023) / Ethayarajh (2019) are then a transform of the
table (:func:`add_adjusted`).
"""

from __future__ import annotations

import math
import warnings
from functools import partial
from typing import Any

import pandas as pd

from cselab.geometry.protocols import Protocol
from cselab.geometry.registry import METRICS, SENTENCE_PREFIX
from cselab.geometry.stream import GeometryStream
from cselab.geometry.validation import MetricUndefined
from cselab.results.table import make_table

COLUMNS = ["model", "corpus", "layer", "metric", "value"]
ADJUSTED = ("self_similarity", "intra_sentence_similarity")


def _defined(family: str, compute, layer: int, prefix: str) -> dict[str, float]:
    """``compute()`` without undefined values; warnings raised inside name the layer."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            values = compute()
        except MetricUndefined as error:
            values = None
            skipped = f"{prefix}{family} skipped: {error}"
    for warning in caught:
        warnings.warn(f"layer {layer}: {prefix}{warning.message}", stacklevel=4)
    if values is None:
        warnings.warn(f"layer {layer}: {skipped}", stacklevel=4)
        return {}
    undefined = [name for name, value in values.items() if math.isnan(value)]
    if undefined:
        names = ", ".join(prefix + name for name in undefined)
        warnings.warn(
            f"layer {layer}: {names} undefined (NaN) on this input; skipped", stacklevel=4
        )
    return {prefix + k: float(v) for k, v in values.items() if not math.isnan(v)}


def collect(
    stream: GeometryStream, *, model: str = "model", corpus: str = "corpus"
) -> tuple[pd.DataFrame, dict[str, dict[int, Any]]]:
    """(tidy table ``model, corpus, layer, metric, value``, details {family: {layer: ...}})."""
    plan, protocol = stream.plan, stream.plan.protocol
    rows: list[dict[str, object]] = []
    details: dict[str, dict[int, Any]] = {}
    for index, layer in enumerate(plan.layers):
        for level in plan.levels:
            stats = stream.layer_values(level, index)
            prefix = SENTENCE_PREFIX if level == "sentence" else ""
            for family in plan.families_at(level):
                spec = METRICS[family]
                values = _defined(family, partial(spec.compute, stats, protocol), layer, prefix)
                rows += [
                    {"model": model, "corpus": corpus, "layer": layer, "metric": k, "value": v}
                    for k, v in values.items()
                ]
                if spec.details is not None and level == "token":
                    try:
                        found = spec.details(stats, protocol) if values else {}
                    except MetricUndefined:
                        found = {}
                    details.setdefault(family, {})[layer] = found
    table = make_table(rows)[COLUMNS] if rows else pd.DataFrame(columns=COLUMNS)
    return add_adjusted(table, protocol), details


def add_adjusted(table: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Rows ``anisotropy_baseline`` (the protocol's baseline: exact ``anisotropy`` or
    ``anisotropy_sampled``) and ``<raw>_adjusted = <raw> − baseline`` for self- and
    intra-sentence similarity, per model, corpus and layer."""
    key = "anisotropy" if protocol.baseline == "exact" else "anisotropy_sampled"
    ids = ["model", "corpus", "layer"]
    baseline = table[table["metric"] == key][[*ids, "value"]].rename(columns={"value": "base"})
    if baseline.empty:
        return table
    added = [baseline.assign(metric="anisotropy_baseline", value=baseline["base"])]
    for raw in ADJUSTED:
        part = table[table["metric"] == raw].merge(baseline, on=ids)
        added.append(part.assign(metric=f"{raw}_adjusted", value=part["value"] - part["base"]))
    extra = pd.concat(added)[COLUMNS]
    order = {layer: i for i, layer in enumerate(table["layer"].unique())}
    out = pd.concat([table, extra], ignore_index=True)
    return out.sort_values("layer", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True
    )
