"""STS data loaders.

STS Benchmark (Cer et al. 2017): tab-separated, no quoting; columns genre, file, year, id,
score (0-5), sentence 1, sentence 2; some rows carry extra columns (sources), ignored.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from cselab.data.pairs import ScoredPair
from cselab.errors import CselabError

STSB_SCORE_RANGE = (0.0, 5.0)


def read_stsbenchmark(path: str | os.PathLike[str]) -> list[ScoredPair]:
    """Read one STS Benchmark split (``sts-train.csv``, ``sts-dev.csv``, ``sts-test.csv``)."""
    source = Path(path)
    if not source.is_file():
        raise CselabError(f"STS Benchmark file {str(source)!r} does not exist")
    pairs: list[ScoredPair] = []
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise CselabError(f"{source}: not UTF-8 text ({exc})") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 7:
            raise CselabError(
                f"{source}:{number}: expected at least 7 tab-separated columns "
                f"(genre, file, year, id, score, sentence1, sentence2), found {len(fields)}"
            )
        try:
            score = float(fields[4])
        except ValueError:
            raise CselabError(f"{source}:{number}: score {fields[4]!r} is not a number") from None
        low, high = STSB_SCORE_RANGE
        if not math.isfinite(score) or not low <= score <= high:
            raise CselabError(f"{source}:{number}: score {score} is outside [{low}, {high}]")
        pairs.append(ScoredPair(fields[5], fields[6], score))
    if not pairs:
        raise CselabError(f"STS Benchmark file {str(source)!r} holds no pairs")
    return pairs
