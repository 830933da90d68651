"""The README's pictures of a report: its first screen and its paper-figure section.

    python scripts/report_screenshots.py report.html docs/report-first-screen.png \
        docs/report-paper-figures.png [--section geometry]

Headless Chromium renders the page at 1280 px wide (the first screen: 1280×800; the
section: from its heading to the next section's, measured in the browser), and the PNGs
are reduced to a 128-colour palette so each stays well under 300 KB.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

WIDTH, SCREEN = 1280, 800
MEASURE = """<script>window.addEventListener('load', () => {
  const tops = {};
  for (const s of document.querySelectorAll('section')) {
    tops[s.id] = s.getBoundingClientRect().top + window.scrollY;
  }
  document.body.setAttribute('data-tops', JSON.stringify(tops));
});</script>"""


def chromium(*args: str) -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("chromium is not installed")
    done = subprocess.run(
        [browser, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", *args],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return done.stdout


def section_span(page: Path, key: str, folder: Path) -> tuple[int, int]:
    """(top, bottom) in pixels of section ``key`` at 1280 px wide."""
    measured = folder / "measured.html"
    measured.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"))
    dom = chromium(f"--window-size={WIDTH},{SCREEN}", "--dump-dom", measured.as_uri())
    tops = json.loads(html.unescape(re.search(r'data-tops="([^"]+)"', dom).group(1)))
    after = sorted(top for top in tops.values() if top > tops[key])
    return int(tops[key]), int(after[0]) if after else int(tops[key]) + 3 * SCREEN


def shoot(page: Path, height: int, out: Path, crop: tuple[int, int] | None = None) -> None:
    chromium(f"--window-size={WIDTH},{height}", f"--screenshot={out}", page.as_uri())
    image = Image.open(out).convert("RGB")
    if crop is not None:
        image = image.crop((0, crop[0], WIDTH, crop[1]))
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("first_screen", type=Path)
    parser.add_argument("section_shot", type=Path)
    parser.add_argument("--section", default="geometry")
    args = parser.parse_args()
    page = args.page.resolve()
    with tempfile.TemporaryDirectory() as scratch:
        top, bottom = section_span(page, args.section, Path(scratch))
    shoot(page, SCREEN, args.first_screen)
    shoot(page, bottom + 10, args.section_shot, crop=(max(0, top - 10), bottom))
    for path in (args.first_screen, args.section_shot):
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
