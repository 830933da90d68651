"""`cselab gradients` outputs in the report: Li et al.'s Figs. 2-4, or a cosine grid per τ."""

from __future__ import annotations

import csv
import io

from report_fixtures import grid_rows

from cselab.gradients.li2024 import Li2024Settings, li2024_grid
from cselab.gradients.outputs import write_gradient_outputs
from cselab.report.inputs import collect_inputs
from cselab.report.page import FigureOutput
from cselab.report.sections import build_page
from cselab.results.table import make_table, write_table


def _sections(paths):
    page = build_page(collect_inputs(paths), out=FigureOutput())
    return {s.key: s for s in [*page.sections, *page.appendix]}


def test_a_gradients_folder_gives_figures_2_3_4_and_its_settings(tmp_path):
    settings = Li2024Settings(rows=20, weight_temperatures=(0.1, 0.05))
    table = li2024_grid(["info_nce", "met"], [0.1, 0.4], [0.2, 0.6], settings=settings)
    write_gradient_outputs(table, tmp_path / "grad", {"protocol": "li2024", "rows": 20})
    sections = _sections([tmp_path / "grad"])
    figures = sections["gradients"].figures
    assert [f.key for f in figures] == ["li2024_fig2_dissipation", "li2024_fig3_weight",
                                        "li2024_fig4_ratio"]  # fmt: skip
    assert [f.title.split(", ")[-1] for f in figures] == ["Fig. 2).", "Fig. 3).", "Fig. 4)."]
    # each caption names the losses its figure draws: W needs a τ, r must vary
    assert [f.caption.split(";")[0] for f in figures] == [
        "Losses: info_nce, met",
        "Losses: info_nce",
        "Losses: met",
    ]
    weight = list(csv.DictReader(io.StringIO(figures[1].data.csv)))
    shown = {(r["run"], float(r["temperature"]), float(r["mu_neg"])): float(r["value"])
             for r in weight}  # fmt: skip
    expected = table[table["metric"] == "hardest_weight_share"]
    assert shown == {(r.run, r.temperature, r.mu_neg): r.value for r in expected.itertuples()}
    assert "anchors per cell 20" in sections["gradients"].intro  # the grid's settings
    assert any(t.title.startswith("Gradient grid") for t in sections["configuration"].tables)


def test_a_cosine_grid_is_one_figure_per_loss(tmp_path):
    write_table(make_table(grid_rows()), tmp_path / "grid.csv")
    (figure,) = _sections([tmp_path / "grid.csv"])["gradients"].figures
    assert figure.key == "gradients_cosine_infonce"
    assert "settings not recorded" in _sections([tmp_path / "grid.csv"])["gradients"].intro
