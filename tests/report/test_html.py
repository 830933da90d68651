"""The HTML report shows exactly the values of its input tables, escaped, in the right sections."""

from __future__ import annotations

import html
import re

import pytest
from report_fixtures import (
    SCRIPT_SENTENCE,
    dynamics_rows,
    geometry_rows,
    sts_result,
    write_everything,
)

from cselab.errors import CselabError
from cselab.report.html import render_report, write_report
from cselab.report.inputs import collect_inputs
from cselab.report.sections import split_rows
from cselab.results.table import make_table, write_table


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_everything(tmp_path_factory.mktemp("inputs"))


@pytest.fixture(scope="module")
def page(files):
    return render_report(collect_inputs(list(files.values())))


def _section(page: str, key: str) -> str:
    match = re.search(rf'<section id="{key}".*?</section>', page, re.S)
    assert match, f"section {key} missing"
    return match.group(0)


def _row_values(section: str, first_cells: list[str]) -> list[float]:
    """data-value numbers of the table row whose first cells are ``first_cells``."""
    for row in re.findall(r"<tr>(.*?)</tr>", section, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        if cells[: len(first_cells)] == first_cells:
            return [float(v) for v in re.findall(r'data-value="([^"]+)"', row)]
    raise AssertionError(f"no row starting with {first_cells}")


def test_every_given_section_is_present(page):
    keys = re.findall(r'<section id="([a-z]+)"', page)
    assert keys == [
        "sts", "geometry", "rogue", "informativity", "ssc", "dynamics", "gradients", "config",
        "inputs",
    ]  # fmt: skip


def test_sections_follow_the_inputs(files):
    only_sts = render_report(collect_inputs([files["sts"]]))
    assert re.findall(r'<section id="([a-z]+)"', only_sts) == ["sts", "config", "inputs"]


def test_geometry_figure_data_equals_table(page):
    section = _section(page, "geometry")
    assert section.count("<img") == 2  # anisotropy, self_similarity (Table metrics excluded)
    expected = {(r["model"], r["layer"]): r["value"] for r in geometry_rows()
                if r["metric"] == "anisotropy"}  # fmt: skip
    figure = re.search(r'<figure data-metric="anisotropy">.*?</figure>', section, re.S).group(0)
    header = re.findall(r"<th>(.*?)</th>", figure)
    for layer in range(3):
        values = _row_values(figure, [str(layer)])
        assert values == [expected[(model, layer)] for model in header[1:]]


def test_table1_and_table3_values_equal_table(page):
    rows = {(r["model"], r["layer"], r["metric"]): r["value"] for r in geometry_rows()}
    rogue = _section(page, "rogue")
    info = _section(page, "informativity")
    for model in ("mini", "big"):
        for layer in range(3):
            assert _row_values(rogue, [model, "c", str(layer)]) == [
                rows[(model, layer, "dims_for_50pct")],
                rows[(model, layer, "top1_share")],
            ]
            assert _row_values(info, [model, "c", str(layer)]) == [
                rows[(model, layer, "informativity_r2_k1")],
                rows[(model, layer, "informativity_r2_k10")],
            ]


def test_dynamics_uses_last_layer_and_each_run(page):
    section = _section(page, "dynamics")
    assert "anisotropy (layer 2)" in section and "loss" in section
    expected = {(r["run"], r["step"]): r["value"] for r in dynamics_rows()
                if r["metric"] == "anisotropy" and r["layer"] == 2}  # fmt: skip
    figure = re.search(r'<figure data-metric="anisotropy \(layer 2\)">.*?</figure>', section, re.S)
    for step in (0, 10, 20):
        assert _row_values(figure.group(0), [str(step)]) == [
            expected[("tau0.05", step)],
            expected[("tau0.1", step)],
        ]


def test_dynamics_at_chosen_layers_one_line_per_run_and_layer(files):
    page = render_report(collect_inputs([files["run"]]), dynamics_layers=[0, -1])
    section = _section(page, "dynamics")
    assert "layers 0, -1 (-1 = the last)" in section
    figure = re.search(
        r'<figure data-metric="anisotropy \(layers 0, 2\)">.*?</figure>', section, re.S
    )
    expected = {(r["run"], r["step"], r["layer"]): r["value"] for r in dynamics_rows()
                if r["metric"] == "anisotropy"}  # fmt: skip
    header = re.findall(r"<th[^>]*>(.*?)</th>", figure.group(0))
    runs = [html.unescape(h) for h in header[1:]]
    assert sorted(runs) == sorted(f"{run} · layer {layer}" for run in ("tau0.05", "tau0.1")
                                  for layer in (0, 2))  # fmt: skip
    for step in (0, 10, 20):
        values = _row_values(figure.group(0), [str(step)])
        for label, value in zip(runs, values, strict=True):
            run, layer = label.split(" · layer ")
            assert value == expected[(run, step, int(layer))]
    everything = _section(
        render_report(collect_inputs([files["run"]]), dynamics_layers="all"), "dynamics"
    )
    assert "anisotropy (layers 0, 2)" in everything and "every layer" in everything


def test_dynamics_layers_that_were_not_measured_are_named(files):
    with pytest.raises(
        CselabError, match=r"layers \[5\]: the training dynamics have layers \[0, 2\]"
    ):
        render_report(collect_inputs([files["run"]]), dynamics_layers=[5])


def test_sts_gradients_ssc_and_config(page):
    sts = _section(page, "sts")
    result = sts_result()
    first, average = result["datasets"][0], result["average"]
    assert _row_values(sts, ["stsb-test", "stsb", "3"]) == [first["spearman"], first["pearson"]]
    assert ">81.23<" in sts  # shown with 2 decimals, as papers do
    assert _row_values(sts, ["average of 2"]) == [average["spearman"], average["pearson"]]
    grads = _section(page, "gradients")
    assert grads.count("<img") == 3  # weight-share curves + dissipation + ratio heatmaps
    ssc = _section(page, "ssc")
    assert "Table 2" in ssc and ssc.count("<img") == 1
    config = _section(page, "config")
    assert "<td>torch</td><td>2.13.0</td>" in config and "&lt;i&gt;c&lt;/i&gt;" in config


def test_corpus_text_is_escaped(page):
    assert "<script" not in page and "<b>dog" not in page and "<i>c" not in page
    shown = re.findall(r"<td>([^<]*)</td>", page)
    assert SCRIPT_SENTENCE in [html.unescape(cell) for cell in shown]
    assert "<td>&lt;script&gt;</td>" in page  # SSC token


def test_self_contained(page):
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "data:image/png;base64," in page


def test_write_report_and_bad_inputs(tmp_path, files):
    out = write_report([files["geometry"]], tmp_path / "r" / "report.html")
    assert out.is_file() and '<section id="geometry"' in out.read_text()
    with pytest.raises(CselabError, match="report input .*nope' does not exist"):
        collect_inputs([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(CselabError, match="empty' holds none of"):
        collect_inputs([tmp_path / "empty"])
    (tmp_path / "bad.json").write_text("{oops")
    with pytest.raises(CselabError, match=r"bad\.json: not valid JSON"):
        collect_inputs([tmp_path / "bad.json"])
    (tmp_path / "x.txt").write_text("")
    with pytest.raises(CselabError, match=r"x\.txt'.*expected a run directory"):
        collect_inputs([tmp_path / "x.txt"])


def test_split_rows_partitions_every_row():
    table = make_table(geometry_rows() + dynamics_rows())
    parts = split_rows(table)
    assert sum(len(p) for p in parts.values()) == len(table)
    assert set(parts["rogue"]["metric"]) == {"top1_share", "dims_for_50pct"}
    assert (parts["dynamics"]["step"] >= 0).all() and (parts["geometry"]["step"] < 0).all()


def test_dynamics_draw_runs_of_different_depth_each_at_its_last_layer(tmp_path):
    rows = [dict(run=run, step=step, layer=layer, metric="anisotropy", value=step + layer)
            for run, depth in (("deep", 3), ("shallow", 2))
            for step in (0, 10) for layer in range(depth)]  # fmt: skip
    write_table(make_table(rows), tmp_path / "run" / "metrics.csv")
    section = _section(render_report(collect_inputs([tmp_path / "run"])), "dynamics")
    figure = re.search(
        r'<figure data-metric="anisotropy \(layers 1, 2\)">.*?</figure>', section, re.S
    )
    header = [html.unescape(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", figure.group(0))]
    assert sorted(header[1:]) == ["deep · layer 2", "shallow · layer 1"]


def test_writing_a_report_counts_its_figures_as_progress(files, tmp_path, capsys) -> None:
    from cselab import progress

    with progress.showing("lines"):
        out = write_report(list(files.values()), tmp_path / "r.html")
    embedded = out.read_text(encoding="utf-8").count('src="data:image/png;base64,')
    assert embedded > 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "report: drawing figures ..."
    assert lines[-1].startswith(f"report: drawing figures: done, {embedded} figures, ")
