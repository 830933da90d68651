"""Measurement protocols: every choice that changes a geometry number, named in one place.

Two presets:

- ``default``: the clean choice of cselab. Only the sentence's own sub-word tokens count
  (no [CLS]/[SEP], no padding); batches are sorted by length and padded per batch (the
  numbers do not depend on padding or batch size); self-similarity uses every occurrence
  of a token type seen at least 5 times; "adjusted" values subtract the *exact* all-pairs
  anisotropy (cheap with the sum trick, and free of sampling noise).
- ``xiao2023``: the public code of Xiao et al. (2023), reproduced faithfully: the numbers
  are those of the corpus padded to its longest sentence (right padding), computed at
  the default's cost (each sentence runs to its length + 1: the first padding position
  is all the paper's numbers read, and with an attention mask its state does not depend
  on the padding after it); special tokens count
  everywhere; for self-similarity padding tokens count too, a token id qualifies with at
  least 5 occurrences in the padded ``input_ids`` and only its first occurrence per
  sentence is used; intra-sentence similarity, L2 norm and the anisotropy baseline use the
  non-padding tokens; the baseline subtracted is the sampled one (1 random token from each
  of 1,000 random sentences; seeded here, unseeded in the paper's code); informativity
  removes dimensions in the order of their self-similarity shares (Table 1), the ranking
  that reproduces the paper's Table 3.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from cselab.errors import CselabError

BASELINES = ("exact", "sampled")
PARTITION_BASES = ("second_moment", "covariance")
AGGREGATIONS = ("mean", "pooled")
DEFAULT_KS = (1, 2, 3, 5, 10, 20, 50, 100, 300, 700)
PAD_TO = ("batch", "corpus")
INFORMATIVITY_RANKINGS = ("sample", "self_similarity")


@dataclass(frozen=True)
class Protocol:
    """Every choice behind a geometry measurement.

    include_special:           [CLS]/[SEP]/<s>/</s> count as tokens for every metric
    padding_in_self_similarity: padded positions count as occurrences for self-similarity
                               (and its per-dimension contributions); never elsewhere
    self_similarity_min_count: a token type needs this many occurrences (counted over the
                               tokens self-similarity sees) to enter the average
    first_occurrence_only:     self-similarity uses a type's first occurrence per sentence
    baseline:                  "exact" (all pairs) or "sampled" anisotropy for adjusted values
    anisotropy_sample_sentences: sentences drawn for the sampled baseline (1 token each)
    batch_size:                sentences per forward pass
    pad_to:                    "batch" (pad to the batch's longest) or "corpus" (the numbers
                               of a corpus padded to its longest sentence, the paper's; only
                               self-similarity's first padding position can read padding,
                               so it is computed by running each sentence to its length + 1)
    sort_by_length:            sort sentences by length before batching (ids are kept; no
                               number depends on it, only the padding cost)
    seed:                      seed of every random choice (baseline sample, informativity)
    max_length:                token limit; None = the model's ``max_seq_length``
    sample_size:               rows of the seeded token sample that informativity,
                               uniformity and partition isotropy run on; None = their
                               defaults (1,000; 2,000; 2,000). Their cost grows with its
                               square, their sampling noise falls with its square root
    informativity_ranking:     token-level informativity removes the top dimensions by
                               "sample" (off-diagonal cosine contributions on its sample) or
                               "self_similarity" (the layer's self-similarity dimension
                               shares, the paper's Table 1)
    informativity_ks:          numbers of top dimensions removed (only k < d are reported)
    uniformity_t:              t of Wang & Isola's uniformity
    partition_basis:           "second_moment" (eigenvectors of WᵀW, Mu & Viswanath) or
                               "covariance" for partition isotropy
    dimension_aggregation:     self-similarity dimension shares over types: "mean" of the
                               per-type shares or "pooled"
    """

    name: str = "default"
    include_special: bool = False
    padding_in_self_similarity: bool = False
    self_similarity_min_count: int = 5
    first_occurrence_only: bool = False
    baseline: str = "exact"
    anisotropy_sample_sentences: int = 1000
    batch_size: int = 64
    pad_to: str = "batch"
    sort_by_length: bool = True
    seed: int = 0
    max_length: int | None = None
    sample_size: int | None = None
    informativity_ranking: str = "sample"
    informativity_ks: tuple[int, ...] = DEFAULT_KS
    uniformity_t: float = 2.0
    partition_basis: str = "second_moment"
    dimension_aggregation: str = "mean"

    def __post_init__(self) -> None:
        if self.baseline not in BASELINES:
            raise CselabError(f"protocol baseline={self.baseline!r}; choose one of {BASELINES}")
        if self.informativity_ranking not in INFORMATIVITY_RANKINGS:
            raise CselabError(
                f"protocol informativity_ranking={self.informativity_ranking!r}; "
                f"choose one of {INFORMATIVITY_RANKINGS}"
            )
        if self.pad_to not in PAD_TO:
            raise CselabError(f"protocol pad_to={self.pad_to!r}; choose one of {PAD_TO}")
        if self.partition_basis not in PARTITION_BASES:
            raise CselabError(
                f"protocol partition_basis={self.partition_basis!r}; "
                f"choose one of {PARTITION_BASES}"
            )
        if self.dimension_aggregation not in AGGREGATIONS:
            raise CselabError(
                f"protocol dimension_aggregation={self.dimension_aggregation!r}; "
                f"choose one of {AGGREGATIONS}"
            )
        if any(int(k) != k or k < 0 for k in self.informativity_ks):
            raise CselabError(
                f"protocol informativity_ks={tuple(self.informativity_ks)} must be integers >= 0"
            )
        object.__setattr__(self, "informativity_ks", tuple(int(k) for k in self.informativity_ks))
        if self.padding_in_self_similarity and not self.first_occurrence_only:
            raise CselabError(
                "protocol padding_in_self_similarity=True needs first_occurrence_only=True "
                "(the paper's code reads the first padding position of each sentence only)"
            )
        if self.padding_in_self_similarity and self.pad_to != "corpus":
            raise CselabError(
                "protocol padding_in_self_similarity=True needs pad_to='corpus' "
                "(otherwise the counted padding depends on batching)"
            )
        for field in ("batch_size", "self_similarity_min_count", "anisotropy_sample_sentences"):
            if getattr(self, field) < 1:
                raise CselabError(f"protocol {field}={getattr(self, field)} must be >= 1")
        if self.max_length is not None and self.max_length < 2:
            raise CselabError(f"protocol max_length={self.max_length} must be >= 2")
        if self.sample_size is not None and self.sample_size < 3:
            raise CselabError(f"protocol sample_size={self.sample_size} must be >= 3")

    def with_options(self, **changes: object) -> Protocol:
        """A copy with some choices changed (``None`` values are ignored)."""
        chosen = {k: v for k, v in changes.items() if v is not None}
        unknown = set(chosen) - set(asdict(self))
        if unknown:
            raise CselabError(f"unknown protocol option(s) {sorted(unknown)}")
        return replace(self, **chosen)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, object]:
        """Plain dict, for summary.json."""
        return asdict(self)


PROTOCOLS: dict[str, Protocol] = {
    "default": Protocol(),
    "xiao2023": Protocol(
        name="xiao2023",
        include_special=True,
        padding_in_self_similarity=True,
        self_similarity_min_count=5,
        first_occurrence_only=True,
        baseline="sampled",
        anisotropy_sample_sentences=1000,
        batch_size=64,
        pad_to="corpus",
        sort_by_length=True,
        informativity_ranking="self_similarity",
    ),
}


def get_protocol(name: str) -> Protocol:
    """Look a preset up by name, with an error that lists the choices."""
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise CselabError(f"unknown protocol {name!r}; choose one of {sorted(PROTOCOLS)}") from None
