"""cselab.progress: lines for logs, nothing when off, rich bars that nest, ETA arithmetic."""

from __future__ import annotations

import pytest

from cselab import progress
from cselab.errors import CselabError


class FakeClock:
    """A perf_counter that moves only when told (no timed assertions)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(progress.time, "perf_counter", fake)
    return fake


def test_lines_mode_prints_start_rate_limited_updates_and_end(clock, capsys) -> None:
    with progress.showing("lines", interval=5.0), progress.task("encoding", 100, "sentences") as t:
        clock.now += 1.0
        t.advance(10)  # 1 s after the start: no line (interval 5 s)
        clock.now += 9.0
        t.advance(15)  # 25 of 100 after 10 s: a line with ETA 10 * 75 / 25 = 30 s
        clock.now += 1.0
        t.advance(5)  # 1 s after the last line: none
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "encoding (100 sentences) ...",
        "encoding: 25/100 sentences (25 %), 10.0 s, ETA 30.0 s",
        "encoding: done, 30/100 sentences (30 %), 11.0 s",
    ]


def test_update_sets_done_and_total_and_unknown_totals_have_no_eta(clock, capsys) -> None:
    with progress.showing("lines", interval=0.0), progress.task("batches") as t:
        clock.now += 2.0
        t.update(3)
        clock.now += 2.0
        t.update(6, 12)
        with progress.task("compute") as untimed:  # nothing counted: the time alone
            clock.now += 1.5
            untimed.describe("compute metrics")
    lines = capsys.readouterr().err.splitlines()
    assert lines[1] == "batches: 3, 2.0 s"
    assert lines[2] == "batches: 6/12 (50 %), 4.0 s, ETA 4.0 s"
    assert lines[3:] == [
        "compute ...",
        "compute metrics: done, 1.5 s",
        "batches: done, 6/12 (50 %), 5.5 s",
    ]


def test_off_mode_and_the_library_default_print_nothing(capsys) -> None:
    assert progress.reporter().requested == "off"  # library use: silent unless asked
    progress.note("a note")
    with progress.task("work", 3) as t:
        t.advance(3)
    with progress.showing("off"):
        progress.note("another")
    assert capsys.readouterr() == ("", "")


def test_showing_restores_the_previous_mode() -> None:
    with progress.showing("lines"):
        with progress.showing("off"):
            assert progress.reporter().mode == "off"
        assert progress.reporter().mode == "lines"
    assert progress.reporter().mode == "off"


def test_auto_is_lines_off_a_terminal() -> None:
    with progress.showing("auto") as shown:
        assert shown.mode == "lines"  # pytest's stderr is not a terminal


def test_bar_mode_nests_tasks_and_notes_in_one_display(capsys) -> None:
    with progress.showing("bar"), progress.task("models", 2) as outer:
        for name in ("a", "b"):
            with progress.task(f"encoding with {name}", 4) as inner:
                inner.advance(4)
            progress.note(f"measured {name}")
            outer.advance()
    err = capsys.readouterr().err
    assert "measured a" in err and "measured b" in err
    assert progress.reporter()._bar is None  # the live display is closed


def test_durations_read_well() -> None:
    assert progress._seconds(5.25) == "5.2 s"
    assert progress._seconds(245) == "4 min 05 s"
    assert progress._seconds(3720) == "1 h 02 min"


def test_unknown_mode_is_an_error() -> None:
    with pytest.raises(CselabError, match="progress mode 'loud'"), progress.showing("loud"):
        pass


def test_a_step_that_raises_ends_stopped_not_done(clock, capsys) -> None:
    with (
        pytest.raises(CselabError),
        progress.showing("lines"),
        progress.task("encoding", 10, "sentences") as t,
    ):
        t.advance(4)
        raise CselabError("bad sentence")
    assert capsys.readouterr().err.splitlines()[-1] == (
        "encoding: stopped, 4/10 sentences (40 %), 0.0 s"
    )
