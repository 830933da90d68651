"""Figures 2-4 of Li et al. (2024) from a li2024 table, and the cosine grid's figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.collections import QuadMesh

from cselab.errors import CselabError
from cselab.gradients.grid import gradient_grid
from cselab.gradients.li2024 import Li2024Settings, li2024_grid
from cselab.report.gradient_figures import (
    drawn_losses,
    li2024_figures,
    plot_dissipation_panels,
    plot_ratio_panels,
    write_gradient_figures,
)


@pytest.fixture(scope="module")
def table():
    settings = Li2024Settings(rows=30, weight_temperatures=(0.1, 0.05))
    losses = ["info_nce", "arccon", "mpt", "met", "mat", "sg_surrogate"]
    return li2024_grid(losses, [0.1, 0.3, 0.5], [0.2, 0.5, 0.8], settings=settings)


def titles(fig):
    return [ax.get_title() for ax in fig.axes if ax.get_visible() and ax.get_title()]


def test_figure_2_has_one_heatmap_per_loss(table):
    fig = plot_dissipation_panels(table)
    assert titles(fig) == [
        "info_nce (τ = 0.05)", "arccon (τ = 0.05)", "mpt", "met", "mat", "sg_surrogate (τ = 0.05)",
    ]  # fmt: skip
    panels = [ax for ax in fig.axes if ax.get_title()]  # the colour bar has none
    meshes = [c for ax in panels for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 6 and all(m.get_array().shape == (3, 3) for m in meshes)
    plt.close(fig)


def test_figure_3_has_a_line_per_temperature_for_losses_with_one(table):
    fig = li2024_figures(table)["weight"]
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == [
        "info_nce (μ_pos = 0.5 rad)", "arccon (μ_pos = 0.5 rad)", "sg_surrogate (μ_pos = 0.5 rad)",
    ]  # fmt: skip
    assert all(len(ax.lines) == 2 for ax in panels)
    assert drawn_losses(table, "weight") == ["info_nce", "arccon", "sg_surrogate"]
    plt.close(fig)


def test_figure_4_shows_the_losses_whose_ratio_varies_with_shading(table):
    fig = plot_ratio_panels(table)
    assert titles(fig) == ["arccon (τ = 0.05)", "met", "mat"]
    assert drawn_losses(table, "ratio") == ["arccon", "met", "mat"]
    for ax in fig.axes:
        if ax.get_title():
            meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
            assert len(meshes) == 2  # the ratio and the shaded cells
            assert meshes[0].get_clim() == (0.0, 5.0)
    plt.close(fig)


def test_files_of_each_protocol(tmp_path, table):
    paths = write_gradient_figures(table, tmp_path / "li")
    assert [p.name for p in paths] == [
        "figure2_dissipation.png", "figure3_weight.png", "figure4_ratio.png",
    ]  # fmt: skip
    only_margins = table[table["run"].isin(["mpt"])]
    assert [p.name for p in write_gradient_figures(only_margins, tmp_path / "m")] == [
        "figure2_dissipation.png"
    ]  # no temperature (Fig. 3) and a constant ratio (Fig. 4)
    cosine = gradient_grid("mpt", [0.5], [0.1], rows=2, negatives=3)
    names = [p.name for p in write_gradient_figures(cosine, tmp_path / "c")]
    assert names == ["hardest_weight_share.png", "dissipation.png", "ratio.png"]


def test_a_table_without_li2024_rows_is_named(table):
    cosine = gradient_grid("mpt", [0.5], [0.1], rows=2, negatives=3)
    with pytest.raises(CselabError, match="no li2024 rows for metric 'dissipation'"):
        plot_dissipation_panels(cosine)
    with pytest.raises(CselabError, match="has a ratio that varies"):
        plot_ratio_panels(table[table["run"] == "mpt"])


def test_a_cosine_grid_has_a_row_per_part_and_a_column_per_temperature():
    from cselab.report.gradient_figures import plot_cosine_grid

    both = gradient_grid("info_nce", [0.5, 0.9], [0.1, 0.3], [0.05, 0.1], rows=2, negatives=3)
    fig = plot_cosine_grid(both, "info_nce")
    assert titles(fig) == [
        f"{part} (τ = {tau})" for part in ("dissipation D", "weight W: share of the hardest "
                                           "negative", "ratio r") for tau in (0.05, 0.1)
    ]  # fmt: skip
    plt.close(fig)
    with pytest.raises(CselabError, match="no cosine-grid rows for loss 'mpt'"):
        plot_cosine_grid(both, "mpt")
