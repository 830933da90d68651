"""Figures saved or embedded are counted only inside counting_figures."""

from __future__ import annotations

import matplotlib.pyplot as plt

from cselab.report.figure_events import counting_figures
from cselab.report.look import encode_png
from cselab.report.plots import save_figure


def test_saved_and_embedded_figures_are_counted(tmp_path) -> None:
    counted: list[int] = []
    with counting_figures(counted.append):
        save_figure(plt.figure(), tmp_path / "a.png")
        encode_png(plt.figure())
    encode_png(plt.figure())  # after the block: not counted
    assert counted == [1, 1]
