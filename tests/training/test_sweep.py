"""Sweeps: the power-of-two temperature grid, one run dir each, finished runs skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from cselab.errors import CselabError
from cselab.training.sweep import (
    default_temperatures,
    plan_sweep,
    run_sweep,
    sweep_temperatures,
)


def test_default_temperatures_are_powers_of_two_around_the_centre() -> None:
    assert default_temperatures(0.05) == [0.025, 0.05, 0.1]
    assert default_temperatures(0.05, span=2) == [0.0125, 0.025, 0.05, 0.1, 0.2]
    with pytest.raises(CselabError, match="centre 0"):
        default_temperatures(0)


def test_plan_names_and_validates(make_config, tmp_path: Path) -> None:
    runs = plan_sweep(make_config(), tmp_path, temperatures=[0.05, 0.1], poolings=["mean", "cls"])
    assert [r.name for r in runs] == [
        "tau0.05-bs8-mean",
        "tau0.05-bs8-cls",
        "tau0.1-bs8-mean",
        "tau0.1-bs8-cls",
    ]
    assert len({r.config.output_dir for r in runs}) == 4
    with pytest.raises(CselabError, match="'temperature' = 0"):
        plan_sweep(make_config(), tmp_path, temperatures=[0.05, 0])


def test_sweep_skips_finished_runs(make_config, tmp_path: Path) -> None:
    base = make_config(max_steps=2, checkpoint_every=2)
    runs = run_sweep(plan_sweep(base, tmp_path, temperatures=[0.05, 0.1]))
    assert [r.status for r in runs] == ["trained", "trained"]
    final = Path(runs[0].config.output_dir) / "checkpoints" / "step-000002" / "model.safetensors"
    stamp = final.stat().st_mtime_ns
    again = run_sweep(plan_sweep(base, tmp_path, temperatures=[0.05, 0.1, 0.2]))
    assert [r.status for r in again] == ["skipped", "skipped", "trained"]
    assert final.stat().st_mtime_ns == stamp


def test_sweep_temperatures(make_config) -> None:
    assert sweep_temperatures(make_config(), None, None, 1) == [0.025, 0.05, 0.1]
    assert sweep_temperatures(make_config(temperature=0.2), None, None, 1) == [0.1, 0.2, 0.4]
    assert sweep_temperatures(make_config(), [0.3], 0.1, 1) == [0.3]
    triplet = make_config(loss="triplet", data_kind="triplets")
    assert sweep_temperatures(triplet, None, None, 1) == [None]  # no τ to sweep
    with pytest.raises(CselabError, match="'temperature' = 0.05.*takes no temperature"):
        plan_sweep(triplet, "unused", temperatures=[0.05])


def test_grid_points_with_one_run_name_are_an_error(make_config, tmp_path: Path) -> None:
    with pytest.raises(CselabError, match="share the run name 'tau0.05-bs8-model'"):
        plan_sweep(make_config(), tmp_path, temperatures=[0.05, 0.05000001])


def test_a_centre_of_zero_is_refused_not_replaced(make_config) -> None:
    with pytest.raises(CselabError, match="centre 0"):
        sweep_temperatures(make_config(), None, 0.0, 1)


def test_a_finished_run_of_another_config_is_not_skipped(make_config, tmp_path: Path) -> None:
    base = make_config(max_steps=2, checkpoint_every=2)
    run_sweep(plan_sweep(base, tmp_path, temperatures=[0.05]))
    changed = make_config(max_steps=2, checkpoint_every=2, learning_rate=0.5)
    with pytest.raises(CselabError, match="'learning_rate' = 0.5 differs from 0.001"):
        run_sweep(plan_sweep(changed, tmp_path, temperatures=[0.05]))
