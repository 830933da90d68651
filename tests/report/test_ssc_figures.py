"""Fig. 24: each token's SSC by frequency rank, and the pairs' correlation against n."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from cselab.report.ssc_figures import plot_ssc


def test_both_panels_from_the_compare_tables():
    tokens = pd.DataFrame({"pair": ["p", "p", "q", "q"], "rank": [2, 1, 1, 2],
                           "ssc": [0.2, -0.1, 0.3, 0.0]})  # fmt: skip
    curve = pd.DataFrame({"n": [2, 3, 4], "pearson": [0.1, 0.7, 0.6]})
    fig = plot_ssc(tokens, curve, best_n=3)
    left, right = fig.axes[:2]
    assert [list(line.get_ydata()) for line in left.lines] == [[-0.1, 0.2], [0.3, 0.0]]
    assert list(right.lines[0].get_ydata()) == [0.1, 0.7, 0.6]
    assert list(right.lines[1].get_xdata()) == [3, 3]  # the recorded argmax
    plt.close(fig)
    assert plot_ssc(None, None, None) is None
