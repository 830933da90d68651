"""Combining run tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from cselab.errors import CselabError
from cselab.results.dynamics import read_runs
from cselab.results.table import make_table, write_table


def write_run(root: Path, name: str, offset: float, run_column: bool) -> Path:
    rows = [
        {"step": s, "layer": layer, "metric": "anisotropy", "value": offset + s + layer}
        for s in (0, 10)
        for layer in (0, 1, 2)
    ]
    rows += [{"step": s, "metric": "train_loss", "value": offset - s} for s in (10, 20)]
    if run_column:
        rows = [{**r, "run": name} for r in rows]
    write_table(make_table(rows), root / name / "metrics.csv")
    return root / name


def test_read_runs_names_rows_by_directory(tmp_path: Path) -> None:
    a = write_run(tmp_path, "tau0.05", 0.0, run_column=True)
    b = write_run(tmp_path, "tau0.1", 1.0, run_column=False)
    table = read_runs([a, b])
    assert sorted(set(table["run"])) == ["tau0.05", "tau0.1"]
    assert len(table) == 2 * 8


def test_missing_run_table_is_named(tmp_path: Path) -> None:
    with pytest.raises(CselabError, match="has no metrics.csv"):
        read_runs([tmp_path / "empty"])


def test_a_run_given_twice_is_an_error(tmp_path: Path) -> None:
    a = write_run(tmp_path, "a", 0.0, run_column=True)
    with pytest.raises(CselabError, match="run 'a' is in both"):
        read_runs([a, a])


def test_an_empty_run_table_is_named(tmp_path: Path) -> None:
    (tmp_path / "blank").mkdir()
    (tmp_path / "blank" / "metrics.csv").write_text("")
    with pytest.raises(CselabError, match="blank/metrics.csv' is empty"):
        read_runs([tmp_path / "blank"])
    (tmp_path / "blank" / "metrics.csv").write_text("run,step,metric,value\n")
    with pytest.raises(CselabError, match="has no rows"):
        read_runs([tmp_path / "blank"])


def test_a_geometry_folder_is_not_a_training_run(tmp_path: Path) -> None:
    rows = [{"model": "m", "layer": 0, "metric": "anisotropy", "value": 0.5}]
    geometry_columns = ["model", "layer", "metric", "value"]  # no run, no step
    write_table(make_table(rows), tmp_path / "geo" / "metrics.csv", columns=geometry_columns)
    with pytest.raises(CselabError, match="has no training steps: it is not a training run"):
        read_runs([tmp_path / "geo"])


def test_a_sweep_folder_says_to_give_its_runs(tmp_path: Path) -> None:
    write_run(tmp_path / "sweep", "tau0.05", 0.0, run_column=True)
    with pytest.raises(CselabError, match=r"has no metrics.csv \(it holds run folders: give "
                       r"them, e.g. .*sweep/\*\)"):  # fmt: skip
        read_runs([tmp_path / "sweep"])


def test_a_run_without_probes_says_why_it_has_no_table(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "config.yaml").write_text("probe_every: null\n")
    with pytest.raises(CselabError, match=r"has no metrics.csv \(a run trained with "
                       r"probe_every: null records no metrics\)"):  # fmt: skip
        read_runs([tmp_path / "run"])
