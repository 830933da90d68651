"""The report in headless Chromium at 1280×800 (issue #13's checks).

The README tour's inputs are built at test time on the tiny model (geometry under xiao2023
on STS-B test sentence 1, STS-B test, a temperature sweep and its dynamics, Li et al.'s
gradient figures; each on a small cut of the data), reported with ``cselab report``, and
the page is measured in the browser: no horizontal overflow, the part above the collapsed
appendix within 8 screen heights, at most 1.5 MB, every model named in the summary, every
image described. A second page checks that a ``<script>`` in a corpus stays text.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from report_fixtures import SCRIPT_SENTENCE, section, write_everything

from cselab.cli.main import main
from cselab.report.html import write_report

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("chromium is not installed (scripts/setup.sh installs it)", allow_module_level=True)
SCREEN = (1280, 800)
MEASURE = """<script>window.addEventListener('load', () => {
  const page = document.documentElement, appendix = document.getElementById('appendix');
  document.body.setAttribute('data-measure', JSON.stringify({
    scrollWidth: page.scrollWidth, innerWidth: window.innerWidth,
    appendixTop: appendix.getBoundingClientRect().top + window.scrollY}));
});</script>"""


def open_in_chromium(page: Path, profile: Path) -> tuple[str, list[str]]:
    """(DOM after load, console messages) of ``page`` in headless Chromium at 1280×800."""
    done = subprocess.run(
        [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
         f"--window-size={SCREEN[0]},{SCREEN[1]}", f"--user-data-dir={profile}",
         "--enable-logging=stderr", "--v=0", "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.stdout, console


def cselab(*args: object) -> None:
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        assert not exc.code, f"cselab {args[0]} exited with {exc.code}"


def _cut(source: Path, target: Path, lines: int) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    text = source.read_text(encoding="utf-8").splitlines()[:lines]
    target.write_text("\n".join(text) + "\n", encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def tour(tiny_model_dir, stsb_dir, tmp_path_factory) -> tuple[Path, list[str]]:
    """``cselab report runs/minilm runs/sts.json runs/dynamics runs/grad`` as in the README's
    quick tour, on the tiny model and small cuts of STS-B; returns (page, models)."""
    root = tmp_path_factory.mktemp("tour")
    stsb = root / "stsb"
    test = _cut(stsb_dir / "sts-test.csv", stsb / "sts-test.csv", 200)
    _cut(stsb_dir / "sts-dev.csv", stsb / "sts-dev.csv", 100)
    _cut(stsb_dir / "sts-train.csv", stsb / "sts-train.csv", 400)
    runs, model = root / "runs", str(tiny_model_dir)
    cselab("geometry", model, "--corpus", test, "--protocol", "xiao2023", "--out",
           runs / "minilm", "-q")  # fmt: skip
    cselab("evaluate", model, "--data", f"stsb:{stsb}?split=test", "--out", runs / "sts.json", "-q")
    base = {"model": model, "loss": "info_nce", "temperature": 0.05, "data_kind": "scored_pairs",
            "data": str(stsb / "sts-train.csv"), "dev_data": str(stsb / "sts-dev.csv"),
            "batch_size": 8, "max_steps": 4, "probe_every": 2, "checkpoint_every": 4,
            "probe_max_sentences": 64, "max_seq_length": 32}  # fmt: skip
    (root / "base.yaml").write_text(yaml.safe_dump(base))
    cselab("sweep", "--config", root / "base.yaml", "--out", runs / "sweep", "-q")
    cselab("dynamics", *sorted((runs / "sweep").iterdir()), "--out", runs / "dynamics", "-q")
    cselab("gradients", "--out", runs / "grad", "--rows", 100, "-q")
    page = root / "report.html"
    cselab("report", runs / "minilm", runs / "sts.json", runs / "dynamics", runs / "grad",
           "-o", page, "-q")  # fmt: skip
    return page, [tiny_model_dir.name]


def test_console_messages_are_detected(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>missingFunction();</script></body></html>")
    _, console = open_in_chromium(bad, tmp_path / "profile")
    assert any("missingFunction" in line for line in console)


def test_the_tour_reads_as_a_results_section(tour, tmp_path):
    page, models = tour
    text = page.read_text(encoding="utf-8")
    assert page.stat().st_size <= 1_500_000
    measured = tmp_path / "measured.html"
    measured.write_text(text.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom, console = open_in_chromium(measured, tmp_path / "profile")
    assert console == []
    found = json.loads(html.unescape(re.search(r'data-measure="([^"]+)"', dom).group(1)))
    assert found["scrollWidth"] <= found["innerWidth"] == SCREEN[0]
    assert found["appendixTop"] <= 8 * SCREEN[1]
    summary = section(dom, "summary")
    assert all(model in summary for model in models)
    images = re.findall(r"<img [^>]*>", dom)
    assert len(images) >= 6 and all(re.search(r'alt="[^"]+"', image) for image in images)
    keys = re.findall(r'data-key="([^"]+)"', dom)
    assert keys[:3] == ["xiao2023_fig2_6_self_similarity", "xiao2023_fig3_7_intra_sentence",
                        "xiao2023_fig4_5_anisotropy_l2_norm"]  # fmt: skip
    assert "li2024_fig2_dissipation" in keys and any(k.startswith("dynamics_1") for k in keys)


def test_a_script_in_a_corpus_stays_text(tmp_path):
    files = write_everything(tmp_path / "inputs")
    page = write_report(list(files.values()), tmp_path / "report.html", title="browser test")
    dom, console = open_in_chromium(page, tmp_path / "profile")
    assert console == []
    assert "<title>browser test</title>" in dom  # the injected script did not run
    assert "<script" not in dom.lower()
    cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>([^<]*)</td>", dom)]
    assert SCRIPT_SENTENCE in cells
    assert re.findall(r'<section id="([a-z-]+)"', dom) == [
        "summary", "geometry", "tables", "ssc", "dynamics", "gradients", "sts", "appendix",
    ]  # fmt: skip
