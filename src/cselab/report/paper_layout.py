"""Which outputs the report draws as Xiao et al. (2023)'s figures and tables, read from the
metric registry (:data:`cselab.geometry.registry.METRICS`), never from metric names.

- Per-layer figures: per family, the token-level outputs whose ``paper`` is one of the
  paper's figures; where several mirror one figure (anisotropy: exact, sampled, baseline)
  the derived one, the protocol's baseline that the adjusted values subtract. A family
  with two (raw and adjusted: Figs 2 and 6, 3 and 7) is one figure, raw beside adjusted;
  the families with one (anisotropy, Fig. 4; L2 norm, Fig. 5) share one figure.
- Key outputs (the training-dynamics panels of Figs 8-11, the summary): the last output of
  each per-layer figure family (adjusted values, the baseline, the norm).
- Table 1: the self-similarity family's rogue-dimension outputs (the paper inspects the
  self-similarity computation, section 2.5); Table 3: the informativity family's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from cselab.geometry.registry import METRICS, OutputInfo, describe
from cselab.geometry.spec import Output

XIAO = "Xiao et al. 2023"
TABLE1_FAMILY = "self_similarity"
TABLE1_SECTION = "rogue dimensions"
TABLE3_FAMILY = "informativity"
_FIGURE = re.compile(r"Fig\. (\d+)")


def figure_number(paper: str) -> int | None:
    """4 for ``"Xiao et al. 2023, Fig. 4"`` (None for a table or another paper)."""
    match = _FIGURE.search(paper) if paper.startswith(XIAO) else None
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class LayerFigure:
    """One multi-panel figure: ``outputs`` side by side, mirroring the paper's ``figures``."""

    key: str
    outputs: tuple[str, ...]
    figures: tuple[int, ...]
    raw_and_adjusted: bool = True

    @property
    def paper(self) -> str:
        numbers = " and ".join(str(n) for n in self.figures)
        return f"{XIAO}, Fig{'s' * (len(self.figures) > 1)}. {numbers}"


def _figure_outputs(outputs: Iterable[Output]) -> list[Output]:
    """The outputs that mirror a figure, one per figure (the derived one where several)."""
    chosen: dict[int, Output] = {}
    for output in outputs:
        number = figure_number(output.paper)
        if number is None or "{k}" in output.pattern:
            continue
        if number not in chosen or (output.derived and not chosen[number].derived):
            chosen[number] = output
    return [chosen[n] for n in sorted(chosen)]


def layer_figures() -> list[LayerFigure]:
    """The per-layer figures in the paper's order (by their first figure number)."""
    pairs, singles = [], []
    for spec in METRICS.values():
        outputs = _figure_outputs(spec.outputs)
        if len(outputs) > 1:
            pairs.append(LayerFigure(
                spec.name, tuple(o.pattern for o in outputs),
                tuple(figure_number(o.paper) or 0 for o in outputs),
            ))  # fmt: skip
        elif outputs:
            singles.append((spec.name, outputs[0]))
    if singles:
        pairs.append(LayerFigure(
            "_".join(name for name, _ in singles), tuple(o.pattern for _, o in singles),
            tuple(figure_number(o.paper) or 0 for _, o in singles), raw_and_adjusted=False,
        ))  # fmt: skip
    return sorted(pairs, key=lambda figure: figure.figures[0])


def key_outputs() -> list[str]:
    """The last output of each per-layer figure family: what the summary and the training
    dynamics show, in the paper's figure order (baseline, L2 norm, adjusted self- and
    intra-sentence similarity: Figs. 4-7, as Figs. 8-11 follow them over training)."""
    keys = []
    for figure in layer_figures():
        shown = zip(figure.figures, figure.outputs, strict=True)
        keys += list(shown)[-1:] if figure.raw_and_adjusted else list(shown)
    return [output for _, output in sorted(keys)]


def info(name: str) -> OutputInfo | None:
    return describe(name)


def label(name: str) -> str:
    """The registry's label of an output (the name itself for one no family produces)."""
    found = describe(name)
    return found.label if found is not None else name


def table_outputs(metrics: Iterable[str], family: str, section: str | None = None) -> list[str]:
    """The token-level outputs of ``family`` (in ``section``) among ``metrics``, in the
    family's output order, then by their number (top 1, 2, 3; k = 1, 2, 3, 5, ...)."""
    spec = METRICS[family]
    order = {output.pattern: index for index, output in enumerate(spec.outputs)}
    found = []
    for name in set(metrics):
        described = describe(name)
        if (
            described is None
            or described.spec.name != family
            or described.level != "token"
            or not described.table_row
            or (section is not None and described.section != section)
        ):
            continue
        found.append((order[described.output.pattern], number(described), name))
    return [name for *_, name in sorted(found)]


def number(described: OutputInfo) -> int:
    """The ``{k}`` of a numbered output (``informativity_r2_k10`` -> 10), else 0."""
    match = described.output.regex.match(described.base_name)
    return int(match.group(1)) if match and match.groups() else 0
