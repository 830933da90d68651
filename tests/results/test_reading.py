"""Any cselab output read back as one tidy table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cselab.errors import CselabError
from cselab.results.reading import read_results
from cselab.results.table import NO_LAYER, NO_STEP, make_table, write_table

GEOMETRY = [{"model": "m", "corpus": "c", "layer": layer, "metric": "anisotropy", "value": v}
            for layer, v in ((0, 0.5), (1, 0.25))]  # fmt: skip
RUN = [{"run": "tau0.05", "step": s, "model": "m", "metric": "train_loss", "value": 2.0 - s}
       for s in (10, 20)]  # fmt: skip
STS = {"kind": "cselab-sts", "model": "m",
       "datasets": [{"name": "sts-test", "spearman": 82.0, "pearson": 83.0, "n": 1379},
                    {"name": "sick", "spearman": 70.0, "pearson": 71.5, "n": 4927}]}  # fmt: skip


def write_outputs(root: Path) -> None:
    write_table(make_table(GEOMETRY), root / "geometry" / "metrics.csv",
                columns=["model", "corpus", "layer", "metric", "value"])  # fmt: skip
    write_table(make_table(RUN), root / "sweep" / "tau0.05" / "metrics.csv")
    (root / "evaluate").mkdir()
    (root / "evaluate" / "sts.json").write_text(json.dumps(STS))
    (root / "evaluate" / "other.json").write_text(json.dumps({"kind": "something-else"}))
    grid = [{"run": "info_nce", "metric": "dissipation", "value": 0.3, "mu_pos": 0.1}]
    write_table(make_table(grid), root / "gradients" / "gradients.csv")


def test_every_kind_of_output_is_one_table(tmp_path: Path) -> None:
    write_outputs(tmp_path)
    names = ("geometry", "sweep", "evaluate", "gradients")
    table = read_results(*(tmp_path / name for name in names))
    assert len(table) == 2 + 2 + 4 + 1
    geometry = table[table["metric"] == "anisotropy"]
    assert geometry["value"].tolist() == [0.5, 0.25] and set(geometry["step"]) == {NO_STEP}
    assert table.loc[table["metric"] == "train_loss", "step"].tolist() == [10, 20]
    sts = table[table["metric"].str.startswith("sts_")]
    assert sorted(zip(sts["corpus"], sts["metric"], sts["value"], strict=True)) == [
        ("sick", "sts_pearson", 71.5), ("sick", "sts_spearman", 70.0),
        ("sts-test", "sts_pearson", 83.0), ("sts-test", "sts_spearman", 82.0),
    ]  # fmt: skip
    assert set(sts["layer"]) == {NO_LAYER} and set(sts["model"]) == {"m"}
    assert table.loc[table["metric"] == "dissipation", "mu_pos"].tolist() == [0.1]


def test_files_are_read_as_well_as_folders(tmp_path: Path) -> None:
    write_outputs(tmp_path)
    table = read_results(tmp_path / "evaluate" / "sts.json", tmp_path / "geometry" / "metrics.csv")
    assert len(table) == 4 + 2


def test_what_is_not_a_result_is_named(tmp_path: Path) -> None:
    write_outputs(tmp_path)
    with pytest.raises(CselabError, match="give at least one"):
        read_results()
    with pytest.raises(CselabError, match="do not exist"):
        read_results(tmp_path / "missing")
    with pytest.raises(CselabError, match="other.json' is not a cselab evaluate record"):
        read_results(tmp_path / "evaluate" / "other.json")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CselabError, match="empty' holds no cselab results"):
        read_results(tmp_path / "empty")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CselabError, match="expected a cselab output folder"):
        read_results(tmp_path / "notes.txt")
    (tmp_path / "none.json").write_text(json.dumps({"kind": "cselab-sts", "datasets": []}))
    with pytest.raises(CselabError, match="holds no datasets"):
        read_results(tmp_path / "none.json")
