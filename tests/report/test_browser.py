"""The report opened in headless Chromium: no console errors, every section, no injected script."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from report_fixtures import SCRIPT_SENTENCE, write_everything

from cselab.report.html import write_report

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("chromium is not installed (scripts/setup.sh installs it)", allow_module_level=True)


def open_in_chromium(page: Path, profile: Path) -> tuple[str, list[str]]:
    """(DOM after load, console messages) of ``page`` in headless Chromium."""
    done = subprocess.run(
        [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={profile}",
         "--enable-logging=stderr", "--v=0", "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


def test_console_messages_are_detected(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>missingFunction();</script></body></html>")
    _, console = open_in_chromium(bad, tmp_path / "profile")
    assert any("missingFunction" in line for line in console)


def test_report_renders_cleanly(tmp_path):
    files = write_everything(tmp_path / "inputs")
    page = write_report(list(files.values()), tmp_path / "report.html", title="browser test")
    dom, console = open_in_chromium(page, tmp_path / "profile")
    assert console == []
    sections = re.findall(r'<section id="([a-z]+)"', dom)
    assert sections == [
        "sts", "geometry", "rogue", "informativity", "ssc", "dynamics", "gradients", "config",
        "inputs",
    ]  # fmt: skip
    assert "<title>browser test</title>" in dom  # the injected script did not run
    assert "<script" not in dom.lower()
    cells = [html.unescape(c) for c in re.findall(r"<td>([^<]*)</td>", dom)]
    assert SCRIPT_SENTENCE in cells
    assert (
        dom.count("<img") == len(re.findall(r"data:image/png;base64,", dom)) == 2 + 1 + 2 + 3
    )  # geometry, SSC curve, dynamics, gradients
