"""`cselab gradients` end to end through the CLI entry point."""

from __future__ import annotations

import json

import pytest

from cselab.cli.main import main
from cselab.results.table import read_table


def test_gradients_command_writes_table_and_figures(tmp_path, capsys):
    out = tmp_path / "grad"
    args = ["gradients", "mpt", "--protocol", "cosine", "--out", str(out), "--pos-grid", "0.5,0.9"]
    args += ["--neg-grid"]
    args += ["0:0.6:3", "--rows", "4", "--negatives", "7", "--margin", "0.3"]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    table = read_table(out / "gradients.csv")
    assert set(table["metric"]) == {"dissipation", "hardest_weight_share", "ratio"}
    assert len(table) == 2 * 3 * 3
    assert (out / "dissipation.png").is_file() and (out / "hardest_weight_share.png").is_file()
    assert "wrote" in capsys.readouterr().out


def test_gradients_command_reports_bad_input(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["gradients", "barlow_twins", "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "no unified gradient form; supported" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["gradients", "info_nce", "--out", str(tmp_path), "--temperature", "0"])
    assert "temperature must be a finite number > 0" in capsys.readouterr().err


def test_an_output_path_that_is_a_file_is_one_line(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    with pytest.raises(SystemExit) as exc:
        main(["gradients", "info_nce", "--out", str(taken / "sub"), "--rows", "2"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "taken" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_grid_beyond_what_a_figure_can_show_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["gradients", "info_nce", "--out", str(tmp_path), "--pos-grid", "0:1:100000000"])
    assert exc.value.code == 2
    assert "at most 1000 values per axis" in capsys.readouterr().err


def test_li2024_protocol_writes_figures_2_3_4_table_and_summary(tmp_path, capsys):
    out = tmp_path / "li"
    args = ["gradients", "--out", str(out), "--pos-grid", "0.1,0.3", "--neg-grid", "0.2,0.5,0.8"]
    args += ["--rows", "20", "--weight-temperature", "0.1", "--weight-temperature", "0.05"]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    for name in ("figure2_dissipation.png", "figure3_weight.png", "figure4_ratio.png"):
        assert (out / name).stat().st_size > 10_000
    table = read_table(out / "gradients.csv")
    assert set(table["run"]) == {"info_nce", "arccon", "mpt", "met", "mat", "sg_surrogate"}
    assert len(table[table["metric"] == "dissipation"]) == 6 * 2 * 3
    summary = json.loads((out / "summary.json").read_text())
    assert summary["protocol"] == "li2024" and summary["rows"] == 20
    assert summary["weight_temperatures"] == [0.1, 0.05] and summary["neg_std"] == 0.1
    assert "3 figure(s)" in capsys.readouterr().out


def test_a_size_that_cannot_fit_is_refused_before_any_work(tmp_path, capsys):
    out = tmp_path / "big"
    with pytest.raises(SystemExit) as exc:
        main(["gradients", "info_nce", "--protocol", "cosine", "--out", str(out),
              "--rows", "100000000"])  # fmt: skip
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "rows=100000000 x (1 + negatives=127) cosines need about 1.23 TB" in err
    with pytest.raises(SystemExit):
        main(["gradients", "info_nce", "--out", str(out), "--rows", "100000000"])
    assert "need about 1.23 TB" in capsys.readouterr().err
    assert not (out / "gradients.csv").exists()


def test_margin_with_several_losses_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["gradients", "--out", str(tmp_path), "--margin", "0.3"])
    assert exc.value.code == 2
    assert "--margin applies to one loss" in capsys.readouterr().err
