"""Every published value the report shows is one cselab's docs state, and is shown only for
the model, protocol and corpus it was measured on."""

from __future__ import annotations

from pathlib import Path

from cselab.report.published import (
    MINILM,
    MPNET,
    PUBLISHED,
    published_geometry,
    published_series,
    published_sts,
)

REPO = Path(__file__).resolve().parents[2]
DOCS = " ".join(  # whitespace normalised: the docs wrap their lines
    " ".join((REPO / name).read_text(encoding="utf-8").split())
    for name in ("README.md", "docs/geometry.md", "docs/evaluation.md")
)


def _values(model: str, prefix: str) -> list[float]:
    return [p.value for p in PUBLISHED
            if p.model == model and p.what.startswith(prefix) and "dims" not in p.what]  # fmt: skip


def test_table3_rows_are_the_docs_rows():
    for model in (MINILM, MPNET):
        row = " ".join(f"{v:.3f}".removeprefix("0") for v in _values(model, "informativity_r2_k"))
        assert row in DOCS, row


def test_the_other_values_are_stated_in_the_docs():
    raw = " ".join(f"{v:.4f}" for v in _values(MINILM, "self_similarity"))
    assert raw in DOCS  # the paper's code, per layer
    assert "121 of 384" in DOCS and "209 of 768" in DOCS
    assert "| published (MTEB STSBenchmark, cosine Spearman) | 82.03 |" in DOCS
    assert "0.88 (text" in DOCS
    assert all(p.source for p in PUBLISHED)


def test_geometry_values_only_for_the_papers_protocol_and_corpus():
    assert published_geometry(MINILM, "xiao2023", "sts-test:s1", "informativity_r2_k2", 6, 6)
    assert published_geometry(f"sentence-transformers/{MINILM}".upper(), "xiao2023",
                              "sts-test:s1", "self_similarity_dims_for_50pct", 6, 6)  # fmt: skip
    assert published_geometry(MINILM, "default", "sts-test:s1", "informativity_r2_k2", 6, 6) is None
    assert published_geometry(MINILM, "xiao2023", "default", "informativity_r2_k2", 6, 6) is None
    assert (
        published_geometry(MINILM, "xiao2023", "sts-test:s1", "informativity_r2_k2", 5, 6) is None
    )
    assert (
        published_geometry("other", "xiao2023", "sts-test:s1", "informativity_r2_k2", 6, 6) is None
    )
    series = published_series(MINILM, "xiao2023", "sts-test:s1", "self_similarity")
    assert sorted(series) == list(range(7))
    assert published_series(MINILM, "default", "sts-test:s1", "self_similarity") == {}


def test_sts_value_for_its_model_and_dataset():
    entry = published_sts(MINILM, "stsb-test")
    assert entry is not None and entry.value == 82.03
    assert published_sts(MINILM, "sick-r-test") is None
    assert published_sts(MPNET, "stsb-test") is None
