"""`cselab gradients` requests: defaults per protocol and the requests that are refused."""

from __future__ import annotations

import pytest

from cselab.errors import CselabError
from cselab.gradients.grid_request import GridRequest, run_request


def test_li2024_defaults_are_the_authors_settings():
    request = GridRequest(losses=["info_nce"], pos_grid="0.2", neg_grid="0.4", rows=50)
    table, settings = run_request(request)
    assert settings["protocol"] == "li2024" and settings["losses"] == ["info_nce"]
    assert (settings["negatives"], settings["pos_std"], settings["neg_std"]) == (127, 0.05, 0.10)
    assert settings["weight_temperatures"] == (0.3, 0.1, 0.05, 0.03, 0.01, 0.005)
    assert (settings["weight_mu_pos"], settings["min_dissipation"], settings["rows"]) == (
        0.5, 0.01, 50,
    )  # fmt: skip
    assert set(table["protocol"]) == {"li2024"}
    assert set(table.loc[table["metric"] == "weight_rows_kept", "temperature"]) == {
        0.3, 0.1, 0.05, 0.03, 0.01, 0.005,
    }  # fmt: skip
    _, paper = run_request(GridRequest(rows=10, pos_grid="0.3", neg_grid="0.5"))
    assert paper["losses"] == ["info_nce", "arccon", "mpt", "met", "mat", "sg_surrogate"]


def test_cosine_protocol_and_bad_input_before_any_progress(capsys):
    from cselab import progress

    request = GridRequest("cosine", ["met"], "0.8", "0.2", rows=8, negatives=1, neg_std=0.0)
    with progress.showing("lines"):
        table, settings = run_request(request)
        assert capsys.readouterr().err.splitlines()[0] == "cosine gradient grid (1 cells) ..."
        for bad in (GridRequest("cosine", ["info_nce"], temperatures=[0.0]),
                    GridRequest(losses=["arccon"], temperatures=[-1.0]),
                    GridRequest("cosine", ["info_nce"], rows=10**9)):  # fmt: skip
            with pytest.raises(CselabError):
                run_request(bad)
        assert capsys.readouterr().err == ""  # refused before a task started
    assert settings["rows"] == 8 and set(table["protocol"]) == {"cosine"}


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (GridRequest("other"), "--protocol must be one of"),
        (GridRequest("cosine", ["info_nce", "mpt"]), "takes exactly one loss"),
        (GridRequest("cosine", ["info_nce"], pos_std=0.1), "belong to protocol 'li2024'"),
        (GridRequest(margin=0.3), "--margin applies to one loss"),
        (GridRequest(pos_grid="0.2,1.5"), r"--pos-grid must give angles / π in \[0, 1\]"),
        (GridRequest(losses=["vicreg"]), "no unified gradient form"),
    ],
)
def test_bad_requests_are_one_line(request_, message):
    with pytest.raises(CselabError, match=message):
        run_request(request_)
