"""Figures of metrics against step, one line per run (cselab dynamics)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from cselab.errors import CselabError
from cselab.report.dynamics_pngs import plot_dynamics
from cselab.results.table import concat_tables, make_table


def run_rows(name: str, offset: float, layers=(0, 1, 2)):
    """A run's table as ``cselab train`` writes it: anisotropy per layer at steps 0 and
    10, the training loss at steps 10 and 20."""
    rows = [
        {
            "run": name,
            "step": s,
            "layer": layer,
            "metric": "anisotropy",
            "value": offset + s + layer,
        }
        for s in (0, 10)
        for layer in layers
    ]
    rows += [
        {"run": name, "step": s, "metric": "train_loss", "value": offset - s} for s in (10, 20)
    ]
    return make_table(rows)


def two_runs():
    return concat_tables([run_rows("a", 0.0), run_rows("b", 1.0)])


def test_plot_dynamics_writes_one_png_per_metric(tmp_path: Path) -> None:
    paths = plot_dynamics(two_runs(), tmp_path / "out")
    assert sorted(p.name for p in paths) == ["anisotropy.png", "train_loss.png"]
    assert all(p.stat().st_size > 1000 for p in paths)
    with pytest.raises(CselabError, match="layer 7"):
        plot_dynamics(two_runs(), tmp_path / "out", metrics=["anisotropy"], layer=7)
    with pytest.raises(CselabError, match=r"\['nope'\]"):
        plot_dynamics(two_runs(), tmp_path / "out", metrics=["nope"])


def test_runs_of_different_depth_are_each_drawn_at_their_last_layer(
    tmp_path: Path, monkeypatch
) -> None:
    table = concat_tables([run_rows("deep", 0.0), run_rows("shallow", 0.0, layers=(0, 1))])
    drawn = {}

    def capture(rows, metric, layer=None):
        drawn[metric] = (rows, layer)
        return plt.figure()

    monkeypatch.setattr("cselab.report.dynamics_pngs.plot_over_steps", capture)
    plot_dynamics(table, tmp_path / "out", metrics=["anisotropy"])
    rows, _ = drawn["anisotropy"]
    assert sorted(set(zip(rows["run"], rows["layer"], strict=True))) == [
        ("deep · layer 2", 2), ("shallow · layer 1", 1)
    ]  # fmt: skip
    with pytest.raises(CselabError, match=r"no rows for layer 2 in \['shallow'\]"):
        plot_dynamics(table, tmp_path / "out", metrics=["anisotropy"], layer=2)


def test_plotting_shows_one_step_per_figure(tmp_path: Path, capsys) -> None:
    from cselab import progress

    with progress.showing("lines"):
        paths = plot_dynamics(two_runs(), tmp_path / "out")
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"dynamics: figures ({len(paths)} figures) ..."
    assert lines[-1].startswith(f"dynamics: figures: done, {len(paths)}/{len(paths)} figures")
