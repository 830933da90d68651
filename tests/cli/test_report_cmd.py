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
    assert 'data-metric="anisotropy (layers 0, 2)"' in out.read_text()
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
    assert 'data-metric="train_loss"' in out.read_text()
    (tmp_path / "folder").mkdir()
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(tmp_path / "dynamics"), "-o", str(tmp_path / "folder")])
    assert exit_info.value.code == 2
    assert "folder" in capsys.readouterr().err
    assert not (tmp_path / "folder.tmp").exists()
