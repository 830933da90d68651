"""Records shared by training and evaluation data: pairs, triplets, scored pairs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pair:
    """An anchor and its positive (SimCSE unsupervised: the same sentence twice)."""

    anchor: str
    positive: str


@dataclass(frozen=True)
class Triplet:
    """An anchor, a positive and a hard negative (supervised SimCSE, FaceNet)."""

    anchor: str
    positive: str
    negative: str


@dataclass(frozen=True)
class ScoredPair:
    """Two sentences and a gold similarity score (STS)."""

    sentence1: str
    sentence2: str
    score: float
