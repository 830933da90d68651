"""Published values the report shows beside ours: only those cselab's docs already state.

Each value names its model, what it is (a tidy output name, or an STS dataset), where it
applies (geometry protocol, corpus, layer) and its source. The report shows one beside
our number only when model, protocol and corpus all match: the paper's geometry values
were measured with its own code (cselab's ``xiao2023`` protocol) on STS-B test sentence 1
(``sts-test:s1``), so a ``default``-protocol row or another corpus gets none.

Sources, as stated in README.md, docs/geometry.md ("Measured values vs the paper") and
docs/evaluation.md:

- MTEB STSBenchmark test, cosine Spearman × 100, all-MiniLM-L6-v2: 82.03.
- Xiao et al. 2023, Table 1 (text): the fine-tuned MiniLM needs 121 of 384 dimensions for
  50 % of self-similarity, the fine-tuned mpnet 209 of 768 (last layer).
- Xiao et al. 2023, Table 3: r² after removing the top-k dimensions, fine-tuned rows.
- Xiao et al. 2023, section 2.5: the fine-tuned mpnet's adjusted intra-sentence similarity
  "reaches 0.88" in the output layer.
- The paper's public code on all-MiniLM-L6-v2, STS-B test sentence 1: raw self-similarity
  per layer 0-6 (docs/geometry.md, "xiao2023 at the default's cost").
"""

from __future__ import annotations

from dataclasses import dataclass

#: the corpus and protocol of the paper's geometry values
PAPER_CORPUS = "sts-test:s1"
PAPER_PROTOCOL = "xiao2023"
TABLE3_KS = (1, 2, 3, 5, 10, 20, 50, 100, 300, 700)
#: the dataset name ``cselab evaluate`` gives STS-B test
STSB_TEST = "stsb-test"
LAST = -1


@dataclass(frozen=True)
class Published:
    """One published number.

    model:    model id without the ``sentence-transformers/`` prefix
    what:     a tidy output name (geometry) or an STS dataset name (``kind`` "sts")
    value:    the number as published (STS: × 100)
    source:   where it is printed
    short:    the source in a few words, for a table cell
    layer:    the hidden state (``LAST`` = the model's last)
    kind:     "geometry" (needs protocol and corpus to match) or "sts"
    """

    model: str
    what: str
    value: float
    source: str
    short: str
    layer: int = LAST
    kind: str = "geometry"


MINILM = "all-MiniLM-L6-v2"
MPNET = "all-mpnet-base-v2"
_TABLE3 = "Xiao et al. 2023, Table 3 (fine-tuned {})"
_MINILM_R2 = (0.998, 0.846, 0.836, 0.830, 0.817, 0.805, 0.768, 0.690, 0.285)
_MPNET_R2 = (0.999, 0.998, 0.996, 0.994, 0.990, 0.983, 0.960, 0.922, 0.783, 0.229)
_MINILM_RAW_SELF_SIMILARITY = (0.9550, 0.9031, 0.8399, 0.7988, 0.7935, 0.8115, 0.6443)

PUBLISHED: tuple[Published, ...] = (
    Published(MINILM, STSB_TEST, 82.03, "MTEB STSBenchmark test, cosine Spearman", "MTEB",
              kind="sts"),
    Published(MINILM, "self_similarity_dims_for_50pct", 121,
              "Xiao et al. 2023, Table 1 (text: 121 of 384, fine-tuned MiniLM)", "paper"),
    Published(MPNET, "self_similarity_dims_for_50pct", 209,
              "Xiao et al. 2023, Table 1 (text: 209 of 768, fine-tuned mpnet)", "paper"),
    Published(MPNET, "intra_sentence_similarity_adjusted", 0.88,
              "Xiao et al. 2023, section 2.5 (text: fine-tuned mpnet reaches 0.88)", "paper"),
    *(Published(MINILM, f"informativity_r2_k{k}", r2, _TABLE3.format("MiniLM"), "paper")
      for k, r2 in zip(TABLE3_KS[:9], _MINILM_R2, strict=True)),  # d = 384: no k = 700
    *(Published(MPNET, f"informativity_r2_k{k}", r2, _TABLE3.format("mpnet"), "paper")
      for k, r2 in zip(TABLE3_KS, _MPNET_R2, strict=True)),
    *(Published(MINILM, "self_similarity", value,
                "the paper's public code on STS-B test sentence 1 (docs/geometry.md)",
                "paper's code", layer=layer)
      for layer, value in enumerate(_MINILM_RAW_SELF_SIMILARITY)),
)  # fmt: skip


def canonical_model(name: str) -> str:
    """``sentence-transformers/all-MiniLM-L6-v2`` and ``all-minilm-l6-v2`` alike."""
    return name.strip().lower().removeprefix("sentence-transformers/")


def published_geometry(
    model: str, protocol: str, corpus: str, metric: str, layer: int, last_layer: int
) -> Published | None:
    """The published value of ``metric`` at ``layer`` for this model, protocol and corpus."""
    if protocol != PAPER_PROTOCOL or corpus != PAPER_CORPUS:
        return None
    for entry in PUBLISHED:
        wanted = last_layer if entry.layer == LAST else entry.layer
        if (
            entry.kind == "geometry"
            and entry.what == metric
            and wanted == layer
            and canonical_model(entry.model) == canonical_model(model)
        ):
            return entry
    return None


def published_sts(model: str, dataset: str) -> Published | None:
    """The published STS Spearman × 100 of this model on ``dataset``."""
    for entry in PUBLISHED:
        if (
            entry.kind == "sts"
            and entry.what == dataset
            and canonical_model(entry.model) == canonical_model(model)
        ):
            return entry
    return None


def published_series(model: str, protocol: str, corpus: str, metric: str) -> dict[int, Published]:
    """Layer -> published value, for values given per layer (not the last-layer ones)."""
    if protocol != PAPER_PROTOCOL or corpus != PAPER_CORPUS:
        return {}
    return {
        entry.layer: entry
        for entry in PUBLISHED
        if entry.kind == "geometry"
        and entry.layer != LAST
        and entry.what == metric
        and canonical_model(entry.model) == canonical_model(model)
    }
