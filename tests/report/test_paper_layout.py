"""The paper's figures and tables are laid out from the metric registry."""

from __future__ import annotations

from cselab.geometry.registry import METRICS
from cselab.report.paper_layout import figure_number, key_outputs, layer_figures, table_outputs


def test_figures_pair_raw_with_adjusted_as_the_paper_numbers_them():
    laid_out = [(f.outputs, f.figures, f.raw_and_adjusted) for f in layer_figures()]
    assert laid_out == [
        (("self_similarity", "self_similarity_adjusted"), (2, 6), True),
        (("intra_sentence_similarity", "intra_sentence_similarity_adjusted"), (3, 7), True),
        (("anisotropy_baseline", "l2_norm"), (4, 5), False),
    ]
    assert layer_figures()[0].paper == "Xiao et al. 2023, Figs. 2 and 6"


def test_every_figure_of_the_registry_is_drawn():
    drawn = {n for f in layer_figures() for n in f.figures}
    numbers = {figure_number(o.paper) for spec in METRICS.values() for o in spec.outputs}
    assert numbers - {None} == drawn
    assert figure_number("Xiao et al. 2023, Table 1") is None
    assert figure_number("Rudman et al. 2022, Fig. 3") is None


def test_key_outputs_in_the_papers_figure_order():
    assert key_outputs() == ["anisotropy_baseline", "l2_norm", "self_similarity_adjusted",
                             "intra_sentence_similarity_adjusted"]  # fmt: skip


def test_table_outputs_by_family_order_then_number():
    names = ["informativity_r2_k10", "informativity_r2_k2", "sentence_informativity_r2_k1",
             "self_similarity_dims_for_50pct", "self_similarity_top3_share", "top1_share"]  # fmt: skip
    assert table_outputs(names, "informativity") == ["informativity_r2_k2", "informativity_r2_k10"]
    assert table_outputs(names, "self_similarity", "rogue dimensions") == [
        "self_similarity_top3_share",
        "self_similarity_dims_for_50pct",
    ]
