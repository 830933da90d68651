"""Small multiples draw each panel's values as given, one legend for all."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from cselab.report.look import line_styles
from cselab.report.small_multiples import Panel, draw_panels


def test_values_drawn_as_given_with_one_legend():
    a = pd.Series([0.5, 0.25, 0.125], index=[0, 1, 2])
    b = pd.Series([1.0, 2.0], index=[0, 2])
    panels = [Panel("first", {"a": a, "b": b}), Panel("second " * 12, {"a": a},
                                                      reference={"paper": b})]  # fmt: skip
    fig = draw_panels(panels, line_styles(["a", "b"]), xlabel="layer", columns=4)
    first, second = fig.axes[:2]
    assert [list(line.get_ydata()) for line in first.lines] == [[0.5, 0.25, 0.125], [1.0, 2.0]]
    assert list(second.lines[1].get_xdata()) == [0, 2] and second.lines[1].get_marker() == "x"
    assert first.get_xlim() == second.get_xlim()  # one x range for all panels
    late = draw_panels([Panel("x", {"a": a}), Panel("y", {"a": a[a.index > 0]})],
                       line_styles(["a"]), xlabel="step")  # fmt: skip
    assert late.axes[0].get_xlim() == late.axes[1].get_xlim()
    plt.close(late)
    assert "\n" in second.get_title()  # long titles wrap to their panel
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["a", "b", "paper"]
    plt.close(fig)
