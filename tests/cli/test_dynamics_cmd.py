"""`cselab dynamics`: combined table and one figure per metric."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cselab.cli.main import main
from cselab.results.table import make_table, read_table, write_table


def test_dynamics_cli(tmp_path: Path) -> None:
    for name in ("r1", "r2"):
        rows = [
            {"run": name, "step": s, "metric": "train_loss", "value": 1.0 / (s + 1)} for s in (0, 5)
        ]
        write_table(make_table(rows), tmp_path / name / "metrics.csv")
    (tmp_path / "r1" / "config.yaml").write_text("temperature: 0.05\n")
    with pytest.raises(SystemExit) as exit_info:
        main(
            ["dynamics", str(tmp_path / "r1"), str(tmp_path / "r2"), "--out", str(tmp_path / "dyn")]
        )
    assert exit_info.value.code == 0
    assert len(read_table(tmp_path / "dyn" / "dynamics.csv")) == 4
    assert (tmp_path / "dyn" / "train_loss.png").is_file()
    records = json.loads((tmp_path / "dyn" / "runs.json").read_text())["runs"]
    assert records == {"r1": {"dir": str(tmp_path / "r1"), "config": {"temperature": 0.05}}}


def test_dynamics_cli_missing_run(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["dynamics", str(tmp_path / "nope")])
    assert exit_info.value.code == 2
    assert "has no metrics.csv" in capsys.readouterr().err
