"""Resuming or restarting in a run folder: only with the config that started it; another
command's results are never deleted."""

from __future__ import annotations

from pathlib import Path

import pytest

from cselab.errors import CselabError
from cselab.training.config import save_config
from cselab.training.resume import check_fresh_start, check_same_run
from cselab.training.trainer import train


def test_a_moved_run_folder_still_resumes(make_config, tmp_path: Path) -> None:
    recorded = save_config(make_config(output_dir="runs/a"), tmp_path / "config.yaml")
    check_same_run(make_config(output_dir=str(tmp_path)), recorded)  # no error
    with pytest.raises(CselabError, match="'learning_rate' = 0.5 differs from 0.001"):
        check_same_run(make_config(learning_rate=0.5), recorded)


def test_a_damaged_recorded_config_is_named(make_config, tmp_path: Path) -> None:
    recorded = tmp_path / "config.yaml"
    for text, message in (("foo: [", "cannot be read"), ("[]", "does not hold a mapping")):
        recorded.write_text(text, encoding="utf-8")
        with pytest.raises(CselabError, match=f"config.yaml' {message}"):
            check_same_run(make_config(), recorded)


def test_a_fresh_start_never_deletes_another_commands_results(make_config, tmp_path) -> None:
    run_dir = tmp_path / "geometry"
    run_dir.mkdir()
    (run_dir / "metrics.csv").write_text("model,layer,metric,value\nm,0,anisotropy,0.5\n")
    config = make_config(output_dir=str(run_dir))
    with pytest.raises(CselabError, match="holds a metrics.csv but no run config.yaml"):
        train(config)
    assert "anisotropy" in (run_dir / "metrics.csv").read_text()
    save_config(make_config(loss="symmetric_info_nce"), run_dir / "config.yaml")
    check_fresh_start(config, run_dir)  # another config that never trained: may restart
    (run_dir / "metrics.csv").write_text("run,step,metric,value\nr,0,x,1\nr,2,train_loss,1\n")
    with pytest.raises(CselabError, match="'loss' = 'info_nce' differs"):
        check_fresh_start(config, run_dir)  # it trained: its rows would be lost
    save_config(config, run_dir / "config.yaml")
    check_fresh_start(config, run_dir)  # the same run, stopped before its first checkpoint
