"""Self-similarity change against frequency (Xiao et al. 2023, appendix E, Fig. 24).

Left: each token's SSC = (ss_f − ani_f) − (ss_v − ani_v) against its frequency rank, one
line per vanilla/fine-tuned pair (``ssc_tokens.csv``). Right: the Pearson correlation of
the two pairs' SSCs over the top n tokens against n (``ssc_correlation.csv``), with the
argmax ``cselab compare`` recorded. Both read ``cselab compare``'s tables as they are.
"""

from __future__ import annotations

import pandas as pd

from cselab.report.look import FULL_WIDTH, line_styles
from cselab.report.small_multiples import Panel, draw_panels


def ssc_panels(tokens: pd.DataFrame | None, curve: pd.DataFrame | None) -> list[Panel]:
    panels = []
    if tokens is not None and {"pair", "rank", "ssc"} <= set(tokens.columns):
        lines = {
            str(pair): group.set_index("rank")["ssc"].sort_index()
            for pair, group in tokens.groupby("pair", sort=False)
        }
        panels.append(Panel("SSC of each token by frequency rank", lines, "SSC"))
    if curve is not None and {"n", "pearson"} <= set(curve.columns):
        line = curve.drop_duplicates("n").set_index("n")["pearson"].sort_index()
        panels.append(Panel("Pearson r of the two pairs' SSCs, top n tokens",
                            {"correlation of the pairs' SSCs": line}, "Pearson r"))  # fmt: skip
    return panels


def plot_ssc(tokens: pd.DataFrame | None, curve: pd.DataFrame | None, best_n: int | None):
    """The figure, or None when neither table was given."""
    panels = ssc_panels(tokens, curve)
    if not panels:
        return None
    styles = line_styles([label for panel in panels for label in panel.lines])
    styles = {k: type(v)(v.colour, v.dashed, "") for k, v in styles.items()}
    fig = draw_panels(panels, styles, xlabel="frequency rank (1 = most frequent)",
                      columns=2, width=FULL_WIDTH, row_height=2.6)  # fmt: skip
    if best_n is not None and curve is not None:
        ax = fig.axes[len(panels) - 1]
        ax.axvline(best_n, color="black", linewidth=0.8, linestyle=":")
        ax.annotate(f"argmax n = {best_n}", (best_n, 0.02), xycoords=("data", "axes fraction"),
                    fontsize=7.5, ha="left")  # fmt: skip
        ax.set_xlabel("n most frequent tokens")
    return fig
