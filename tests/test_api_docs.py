"""Every example of docs/api.md (and the README's Python example) runs: the ``python``
blocks of a page are executed in order, in one namespace, on the tiny random BERT (the
page's model names and STS-B folder are replaced by the test's), in a scratch folder; and
every name ``cselab`` exports is on the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

import cselab

REPO = Path(__file__).resolve().parents[1]
PAGE, README = REPO / "docs" / "api.md", REPO / "README.md"
MODEL_NAMES = ("sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2")  # longest first
STSB_TEXT = "../shared/data/stsbenchmark"


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def on_test_inputs(block: str, model_dir: Path, stsb_dir: Path) -> str:
    for name in MODEL_NAMES:
        block = block.replace(name, str(model_dir))
    return block.replace(STSB_TEXT, str(stsb_dir))


@pytest.fixture
def one_thread():
    """The tiny model's steps are ~70x slower with 2 threads on a loaded 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def run_page(page: Path, model_dir: Path, stsb_dir: Path) -> dict:
    """Every python block of ``page``, in order, in one namespace (returned)."""
    namespace: dict = {}
    for number, block in enumerate(code_blocks(page.read_text(encoding="utf-8")), start=1):
        code = on_test_inputs(block, model_dir, stsb_dir)
        exec(compile(code, f"{page.name}, python block {number}", "exec"), namespace)
    return namespace


def test_every_example_runs(tiny_model_dir, stsb_dir, tmp_path, monkeypatch, one_thread) -> None:
    monkeypatch.chdir(tmp_path)
    assert len(code_blocks(PAGE.read_text(encoding="utf-8"))) >= 6
    namespace = run_page(PAGE, tiny_model_dir, stsb_dir)
    # what the examples leave behind is what they say
    assert set(namespace["result"].table["layer"]) == {0, 2}  # layers=[0, -1] of 2 layers
    assert namespace["scores"]["n"] == 1379
    assert namespace["run"].steps == 10 and (tmp_path / "runs" / "simcse" / "final").is_dir()
    assert set(namespace["table"]["step"]) >= {5, 10}
    assert not namespace["pair"].ssc.empty


def test_the_readme_example_runs(tiny_model_dir, stsb_dir, tmp_path, monkeypatch, one_thread):
    monkeypatch.chdir(tmp_path)
    (block,) = code_blocks(README.read_text(encoding="utf-8"))
    assert len(block.strip().splitlines()) <= 12
    namespace = run_page(README, tiny_model_dir, stsb_dir)
    assert namespace["run"].steps == 50 and namespace["parts"].weights.shape == (64, 64)


def test_the_substitution_is_what_the_page_uses() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert all(name in page for name in MODEL_NAMES) and STSB_TEXT in page


def test_every_exported_name_is_documented() -> None:
    page = PAGE.read_text(encoding="utf-8")
    missing = [name for name in cselab.__all__ if name != "__version__" and f"`{name}" not in page]
    assert missing == []
