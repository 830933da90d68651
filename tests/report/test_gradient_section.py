"""A `cselab gradients` output folder as a report input: the li2024 figures are shown."""

from __future__ import annotations

from cselab.gradients.li2024 import Li2024Settings, li2024_grid
from cselab.gradients.outputs import write_gradient_outputs
from cselab.report.inputs import collect_inputs
from cselab.report.sections import build_sections


def test_a_gradients_folder_gives_figures_2_3_4_and_its_settings(tmp_path):
    settings = Li2024Settings(rows=20, weight_temperatures=(0.1, 0.05))
    table = li2024_grid(["info_nce", "met"], [0.1, 0.4], [0.2, 0.6], settings=settings)
    write_gradient_outputs(table, tmp_path / "grad", {"protocol": "li2024", "rows": 20})
    sections = {s.key: s for s in build_sections(collect_inputs([tmp_path / "grad"]))}
    figures = sections["gradients"].figures
    assert [f.title.split("(")[-1] for f in figures] == ["Fig. 2)", "Fig. 3)", "Fig. 4)"]
    weight = figures[1].data
    assert weight is not None and weight.header == ["mu_neg", "info_nce τ=0.05", "info_nce τ=0.1"]
    assert not sections["gradients"].tables  # the grids stay in gradients.csv
    assert any("summary.json" in label for label, _ in sections["config"].texts)
