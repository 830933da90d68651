"""`cselab report` writes one HTML file from run directories and files."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cselab.cli.main import app, main
from cselab.results.table import make_table, write_table


def test_report_command_writes_html(tmp_path):
    rows = [
        {"model": m, "layer": layer, "metric": "anisotropy", "value": 0.1 * layer + i}
        for i, m in enumerate(["a", "b"])
        for layer in range(3)
    ]
    write_table(make_table(rows), tmp_path / "geo" / "metrics.csv")
    sts = tmp_path / "sts.json"
    sts.write_text(json.dumps({"kind": "cselab-sts", "model": "a", "datasets": []}))
    out = tmp_path / "out" / "report.html"
    result = CliRunner().invoke(
        app, ["report", str(tmp_path / "geo"), str(sts), "-o", str(out), "--title", "T"]
    )
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert "<title>T</title>" in page
    assert '<section id="geometry"' in page and '<section id="sts"' in page
    assert "wrote" in result.output


def test_report_command_names_missing_input(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(tmp_path / "missing"), "-o", str(tmp_path / "r.html")])
    assert exit_info.value.code == 2
    assert "missing' does not exist" in capsys.readouterr().err


def test_report_command_draws_dynamics_at_the_chosen_layers(tmp_path, capsys):
    rows = [
        {"run": "r", "step": step, "layer": layer, "metric": "anisotropy", "value": step + layer}
        for step in (0, 5)
        for layer in (0, 1, 2)
    ]
    write_table(make_table(rows), tmp_path / "run" / "metrics.csv")
    out = tmp_path / "r.html"
    result = CliRunner().invoke(
        app, ["report", str(tmp_path / "run"), "-o", str(out), "--layers", "0,-1"]
    )
    assert result.exit_code == 0, result.output
    assert "per-layer metrics at layers 0, -1 (-1 = the last)" in out.read_text()
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(tmp_path / "run"), "-o", str(out), "--layers", "zero"])
    assert exit_info.value.code == 2
    assert "--layers 'zero'" in capsys.readouterr().err


def test_report_reads_a_dynamics_folder_and_names_a_bad_output(tmp_path, capsys):
    rows = [{"run": "r", "step": s, "metric": "train_loss", "value": 1.0 - s / 10} for s in (1, 2)]
    write_table(make_table(rows), tmp_path / "dynamics" / "dynamics.csv")
    out = tmp_path / "r.html"
    assert (
        CliRunner().invoke(app, ["report", str(tmp_path / "dynamics"), "-o", str(out)]).exit_code
        == 0
    )
    assert 'data-key="dynamics_1"' in out.read_text()
    (tmp_path / "folder").mkdir()
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(tmp_path / "dynamics"), "-o", str(tmp_path / "folder")])
    assert exit_info.value.code == 2
    assert "folder" in capsys.readouterr().err
    assert not (tmp_path / "folder.tmp").exists()


def test_report_writes_the_paper_figures_as_files(tmp_path, capsys):
    rows = [
        {"model": "m", "layer": layer, "metric": metric, "value": 0.1 * layer + i}
        for i, metric in enumerate(["self_similarity", "self_similarity_adjusted", "l2_norm"])
        for layer in range(3)
    ]
    write_table(make_table(rows), tmp_path / "geo" / "metrics.csv")
    out, figures = tmp_path / "r.html", tmp_path / "figures"
    result = CliRunner().invoke(
        app, ["report", str(tmp_path / "geo"), "-o", str(out), "--figures", str(figures),
              "--format", "png"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in figures.iterdir()) == [
        "xiao2023_fig2_6_self_similarity.png", "xiao2023_fig4_5_anisotropy_l2_norm.png",
    ]  # fmt: skip
    assert "wrote 2 figure(s)" in result.output
    for fmt, magic in (("pdf", b"%PDF"), ("svg", b"<?xml")):  # vector formats, for LaTeX
        folder = tmp_path / fmt
        args = ["report", str(tmp_path / "geo"), "-o", str(out), "--figures", str(folder)]
        assert CliRunner().invoke(app, args + ["--format", fmt] * (fmt != "pdf")).exit_code == 0
        written = sorted(folder.iterdir())
        assert [p.suffix for p in written] == [f".{fmt}"] * 2  # pdf: the default
        assert all(p.read_bytes().startswith(magic) for p in written)
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(tmp_path / "geo"), "-o", str(out), "--figures", str(figures),
              "--format", "jpg"])  # fmt: skip
    assert exit_info.value.code == 2
    assert "figure format 'jpg': choose one of ['pdf', 'svg', 'png']" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(tmp_path / "geo"), "-o", str(out), "--figures", str(out)])
    assert exit_info.value.code == 2
    assert "is an existing file" in capsys.readouterr().err
