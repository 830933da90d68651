"""The HTML report shows exactly its inputs' values, escaped, in a paper's order."""

from __future__ import annotations

import html
import re

import pytest
from report_fixtures import (
    MINILM,
    SCRIPT_SENTENCE,
    figure_data,
    geometry_rows,
    row_values,
    run_rows,
    section,
    sts_result,
    write_everything,
)

from cselab.report.html import render_report, write_report
from cselab.report.inputs import collect_inputs
from cselab.report.summary import HEADLINE

MAIN = ["summary", "geometry", "tables", "ssc", "dynamics", "gradients", "sts"]
APPENDIX = ["more-geometry", "more-dynamics", "full-tables", "configuration", "inputs"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_everything(tmp_path_factory.mktemp("inputs"))


@pytest.fixture(scope="module")
def page(files):
    return render_report(collect_inputs(list(files.values())))


def test_findings_first_then_the_papers_figures_and_tables_then_the_appendix(page):
    assert re.findall(r'<section id="([a-z-]+)"', page) == [*MAIN, "appendix"]
    assert re.findall(r'<details id="([a-z-]+)"', page) == APPENDIX
    assert page.index('id="appendix"') > page.index('id="sts"')


def test_sections_follow_the_inputs(files):
    only_sts = render_report(collect_inputs([files["sts"]]))
    assert re.findall(r'<section id="([a-z-]+)"', only_sts) == ["summary", "sts", "appendix"]
    assert re.findall(r'<details id="([a-z-]+)"', only_sts) == APPENDIX[2:]


def _last_layer(model: str, corpus: str, offset: float) -> dict[str, float]:
    return {
        r["metric"]: r["value"] for r in geometry_rows(model, corpus, offset) if r["layer"] == 2
    }


def test_summary_shows_each_models_last_layer_and_published_values_beside_ours(page):
    summary = section(page, "summary")
    for model, corpus, offset in ((MINILM, "sts-test:s1", 0.0), ("vanilla", "c", 0.2),
                                  ("tuned", "c", -0.05)):  # fmt: skip
        values = _last_layer(model, corpus, offset)
        shown = row_values(summary, [model])
        sts = [sts_result()["datasets"][0]["spearman"]] if model == MINILM else []
        assert shown == [values[m] for m in HEADLINE] + sts
    minilm = re.search(rf"<tr><th[^>]*>{MINILM}</th>.*?</tr>", summary, re.S).group(0)
    assert "paper 121" in minilm and "paper 0.846" in minilm and "MTEB 82.03" in minilm
    vanilla = re.search(r"<tr><th[^>]*>vanilla</th>.*?</tr>", summary, re.S).group(0)
    assert "paper" not in vanilla  # default protocol, another corpus: no published value


def test_summary_says_each_change_in_words(page):
    summary = html.unescape(re.sub(r"</?b>", "", section(page, "summary")))
    vanilla, tuned = _last_layer("vanilla", "c", 0.2), _last_layer("tuned", "c", -0.05)
    before, after = vanilla["anisotropy_baseline"], tuned["anisotropy_baseline"]
    assert (
        f"tuned against vanilla (c, default, last layer): anisotropy baseline (the protocol's) "
        f"falls from {before:.3g} to {after:.3g} (−{before - after:.2g})" in summary
    )
    assert "τ = 0.05 (steps 0 to 20, last layer): anisotropy baseline" in summary
    assert f"{MINILM} (xiao2023 on sts-test:s1): dimensions for 50 % of self-similarity 120 " \
           "(paper: 121)" in summary  # fmt: skip


def test_runs_first_and_last_step_at_the_last_layer(page):
    summary = section(page, "summary")
    rows = {
        (r["step"], r.get("layer", -1), r["metric"]): r["value"] for r in run_rows("tau0.1", 0.1)
    }
    after = row_values(summary, ["τ = 0.1"])
    before = row_values(summary, ["τ = 0.1"], "data-before")
    metrics = ["anisotropy_baseline", "self_similarity_adjusted"]
    assert before[:2] == [rows[(0, 2, m)] for m in metrics]
    assert after[:2] == [rows[(20, 2, m)] for m in metrics]
    assert (before[2], after[2]) == (rows[(0, -1, "sts_dev_spearman")],
                                     rows[(20, -1, "sts_dev_spearman")])  # fmt: skip


def test_paper_figure_data_equals_the_inputs(page):
    geometry = section(page, "geometry")
    keys = re.findall(r'data-key="([^"]+)"', geometry)
    assert keys == ["xiao2023_fig2_6_self_similarity", "xiao2023_fig3_7_intra_sentence",
                    "xiao2023_fig4_5_anisotropy_l2_norm"]  # fmt: skip
    shown = {(r["model"], int(r["layer"]), r["metric"]): float(r["value"])
             for r in figure_data(geometry, keys[0])}  # fmt: skip
    expected = {(r["model"], r["layer"], r["metric"]): r["value"]
                for model, corpus, offset in ((MINILM, "sts-test:s1", 0.0), ("vanilla", "c", 0.2),
                                              ("tuned", "c", -0.05))
                for r in geometry_rows(model, corpus, offset)
                if r["metric"] in ("self_similarity", "self_similarity_adjusted")}  # fmt: skip
    assert shown == expected
    assert "protocols xiao2023 (row 1), default (row 2)" in geometry  # one row of panels each
    assert "Crosses: the values the paper's public code prints" in html.unescape(geometry)


def test_sts_with_the_published_value_beside_ours(page):
    sts = section(page, "sts")
    result = sts_result()
    first, average = result["datasets"][0], result["average"]
    assert row_values(sts, [MINILM, "stsb-test", "3"]) == [first["spearman"], first["pearson"]]
    assert ">81.23<" in sts  # 2 decimals, as papers print them
    assert 'data-published="MTEB STSBenchmark test, cosine Spearman"' in sts
    assert row_values(sts, [MINILM, "average of 2"]) == [average["spearman"], average["pearson"]]


def test_configuration_behind_every_number(page):
    config = section(page, "configuration")
    assert '<th scope="col">xiao2023</th>' in config and '<th scope="col">default</th>' in config
    assert "temperature" in config and "&lt;i&gt;c&lt;/i&gt;" in config  # escaped config value
    assert "infonce" not in config or "Gradient grid" not in config  # a CSV alone: no settings
    assert "MTEB STSBenchmark test" in config  # the published values' sources


def test_corpus_text_is_escaped(page):
    assert "<script" not in page and "<b>dog" not in page and "<i>c" not in page
    shown = [html.unescape(cell) for cell in re.findall(r'<td class="short">([^<]*)</td>|'
                                                        r"<td>([^<]*)</td>", page) for cell in cell]  # fmt: skip
    assert SCRIPT_SENTENCE in shown
    assert "&lt;script&gt;" in section(page, "ssc")  # SSC token


def test_self_contained_and_every_image_described(page):
    assert not re.search(r'(src|href)="(https?:)?//', page)
    images = re.findall(r"<img [^>]*>", page)
    assert images and all(re.search(r'alt="[^"]{10,}"', image) for image in images)


def test_a_written_report_counts_its_figures_as_progress(files, tmp_path, capsys) -> None:
    from cselab import progress

    with progress.showing("lines"):
        out = write_report([files["geometry"], files["run"]], tmp_path / "r.html")
    embedded = out.read_text(encoding="utf-8").count('src="data:image/png;base64,')
    assert embedded > 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "report: drawing figures ..."
    assert lines[-1].startswith(f"report: drawing figures: done, {embedded} figures, ")
