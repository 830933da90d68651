"""The page: rows split by kind, sections in a paper's order, paper figures as files."""

from __future__ import annotations

import pytest
from report_fixtures import write_everything

from cselab.report.html import render_report
from cselab.report.inputs import collect_inputs
from cselab.report.look import look
from cselab.report.page import FigureOutput
from cselab.report.sections import build_page, split_rows

PAPER_FIGURES = [
    "xiao2023_fig2_6_self_similarity", "xiao2023_fig3_7_intra_sentence",
    "xiao2023_fig4_5_anisotropy_l2_norm", "xiao2023_fig24_ssc", "dynamics_1_temperature",
    "gradients_cosine_infonce",
]  # fmt: skip


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_everything(tmp_path_factory.mktemp("inputs"))


def test_every_row_is_in_one_kind(files):
    table = collect_inputs(list(files.values())).metrics()
    parts = split_rows(table)
    assert sum(len(p) for p in parts.values()) == len(table)
    assert (parts["dynamics"]["step"] >= 0).all() and (parts["layers"]["layer"] >= 0).all()
    assert parts["grid"]["mu_pos"].notna().all()


def test_the_paper_figures_are_also_written_as_files(files, tmp_path):
    out = FigureOutput.to(tmp_path / "figures", "svg")
    with look():
        page = build_page(collect_inputs(list(files.values())), out=out)
    keys = [f.key for s in page.sections for f in s.figures]
    assert keys == PAPER_FIGURES
    assert sorted(p.name for p in out.written) == sorted(f"{k}.svg" for k in PAPER_FIGURES)
    assert all(p.read_text().lstrip().startswith("<?xml") for p in out.written)
    numbers = [f.number for s in [*page.sections, *page.appendix] for f in s.figures]
    assert numbers == list(range(1, len(numbers) + 1))


def test_a_folder_with_configs_only_still_reports_them(tmp_path, files):
    (tmp_path / "sweep" / "r").mkdir(parents=True)
    (tmp_path / "sweep" / "r" / "config.yaml").write_text(
        (files["run"] / "config.yaml").read_text()
    )
    page = render_report(collect_inputs([tmp_path / "sweep"]))
    assert 'id="configuration"' in page and 'id="summary"' not in page
