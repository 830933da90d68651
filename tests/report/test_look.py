"""One look: paired models share a colour, figures embed small and save in three formats."""

from __future__ import annotations

import base64

import matplotlib.pyplot as plt
import pytest

from cselab.errors import CselabError
from cselab.report.look import RC, encode_png, line_styles, look, save


def test_a_pair_shares_a_colour_vanilla_dashed():
    styles = line_styles(["v", "f", "other"], [("v", "f"), ("absent", "other")])
    assert styles["v"].colour == styles["f"].colour != styles["other"].colour
    assert styles["v"].dashed and not styles["f"].dashed and not styles["other"].dashed
    assert len({s.colour for s in line_styles([str(i) for i in range(12)]).values()}) == 10


def test_embedded_as_a_palette_png_and_saved_in_each_format(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    for fmt, magic in (("pdf", b"%PDF"), ("svg", b"<?xml"), ("png", b"\x89PNG")):
        assert save(fig, tmp_path / f"f.{fmt}").read_bytes().startswith(magic)
    with pytest.raises(CselabError, match="figure format 'jpg'"):
        save(fig, tmp_path / "f.jpg")
    number = fig.number
    png = base64.b64decode(encode_png(fig))
    assert png.startswith(b"\x89PNG") and b"PLTE" in png  # palette-coded
    assert number not in plt.get_fignums()  # and closed


def test_the_look_holds_inside_the_block_only():
    before = dict(plt.rcParams)
    with look():
        assert all(plt.rcParams[key] == value for key, value in RC.items())
        assert plt.rcParams["svg.fonttype"] == "none"  # text stays text in SVG, for LaTeX
    assert dict(plt.rcParams) == before
