"""`cselab sweep`: one run dir per grid point; a second call skips finished runs."""

from __future__ import annotations

from pathlib import Path

from cli_training import run_cli, write_config


def test_sweep_cli_default_grid_and_skip(tiny_model_dir, tmp_path: Path, capsys) -> None:
    config = write_config(tmp_path, tiny_model_dir, max_steps=1, checkpoint_every=1)
    args = ["sweep", "--config", str(config), "--out", str(tmp_path / "sweep"), "--span", "1"]
    assert run_cli(args) == 0
    assert sorted(p.name for p in (tmp_path / "sweep").iterdir()) == [
        "tau0.025-bs8-model",
        "tau0.05-bs8-model",
        "tau0.1-bs8-model",
    ]
    assert "sweep run 2 of 3: tau0.05-bs8-model: training" in capsys.readouterr().err
    assert run_cli(args) == 0
    second = capsys.readouterr()
    assert second.out.count("skipped") == 3
    assert "sweep run 3 of 3: tau0.1-bs8-model: finished already, skipped" in second.err
    assert run_cli([*args, "--quiet"]) == 0
    assert capsys.readouterr().err == ""
