"""Frequency bias: self-similarity of frequent tokens and its change under fine-tuning.

Xiao et al. (2023), section 3.1, appendix E. For one layer:

- per-token self-similarity of the top-n most frequent token types;
- self-similarity change of a token (eq. 10): ``ssc = (ss_f − ani_f) − (ss_v − ani_v)``,
  the adjusted self-similarity of the fine-tuned model minus that of the vanilla model;
- for two model pairs (e.g. MiniLM and mpnet), the Pearson correlation of their SSCs over
  the top n frequent tokens as a function of n, and its argmax (the paper: n = 204,
  r = 0.857, over n = 1..400);
- the tokens with the largest positive / negative SSC (Table 2).

Tokens are matched by their token string, so pairs with different vocabularies compare.
Frequency order: the count of the token in the corpus as the first model tokenized it,
ties broken by token string.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from cselab.errors import CselabError

PER_TOKEN_COLUMNS = ("rank", "token_id", "token", "count", "self_similarity")
SSC_COLUMNS = ("rank", "token", "count", "ss_vanilla", "ss_finetuned", "ani_vanilla",
               "ani_finetuned", "ssc")  # fmt: skip


def per_token_table(
    per_token: Mapping[int, tuple[int, float]],
    token_string: Callable[[int], str],
    top_n: int | None = None,
) -> pd.DataFrame:
    """Token types ranked by frequency: ``rank, token_id, token, count, self_similarity``.

    ``per_token`` maps a token id to (occurrence count, self-similarity), as returned by
    ``SelfSimilarity.per_token()``; rank 1 is the most frequent type.
    """
    rows = [
        {"token_id": int(t), "token": token_string(int(t)), "count": int(c), "self_similarity": s}
        for t, (c, s) in per_token.items()
    ]
    if not rows:
        raise CselabError("no token type reached the self-similarity minimum count")
    frame = pd.DataFrame(rows).sort_values(["count", "token"], ascending=[False, True])
    if top_n is not None and top_n < 1:
        raise CselabError(f"top_n={top_n}: give at least 1 frequent token")
    if top_n is not None:
        frame = frame.head(top_n)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame.reset_index(drop=True)[list(PER_TOKEN_COLUMNS)]


def self_similarity_change(
    vanilla: pd.DataFrame, finetuned: pd.DataFrame, ani_vanilla: float, ani_finetuned: float
) -> pd.DataFrame:
    """SSC per token (eq. 10) for tokens measured in both models, in the vanilla frequency order."""
    merged = vanilla[["token", "count", "self_similarity"]].merge(
        finetuned[["token", "self_similarity"]], on="token", suffixes=("_vanilla", "_finetuned")
    )
    if merged.empty:
        raise CselabError("the vanilla and fine-tuned models share no measured token")
    merged = merged.rename(
        columns={
            "self_similarity_vanilla": "ss_vanilla",
            "self_similarity_finetuned": "ss_finetuned",
        }
    )
    merged["ani_vanilla"] = ani_vanilla
    merged["ani_finetuned"] = ani_finetuned
    merged["ssc"] = (merged["ss_finetuned"] - ani_finetuned) - (merged["ss_vanilla"] - ani_vanilla)
    merged = merged.sort_values(["count", "token"], ascending=[False, True])
    merged.insert(0, "rank", np.arange(1, len(merged) + 1))
    return merged.reset_index(drop=True)[list(SSC_COLUMNS)]


def ssc_correlation_curve(
    ssc_a: pd.DataFrame, ssc_b: pd.DataFrame, max_n: int = 400
) -> pd.DataFrame:
    """Pearson r of two pairs' SSCs over the top n shared tokens, n = 2..max_n.

    Tokens are taken in pair A's frequency order and kept when pair B measured them too.
    Rows where r is undefined (n < 2 or a constant SSC list) are left out. Columns:
    ``n, token, pearson`` (``token`` is the n-th token added).
    """
    shared = ssc_a[["token", "ssc"]].merge(
        ssc_b[["token", "ssc"]], on="token", suffixes=("_a", "_b")
    )
    shared = shared.head(max_n)
    if len(shared) < 2:
        raise CselabError(f"the two pairs share {len(shared)} measured token(s); need at least 2")
    a = shared["ssc_a"].to_numpy(dtype=float)
    b = shared["ssc_b"].to_numpy(dtype=float)
    rows = []
    for n in range(2, len(shared) + 1):
        x, y = a[:n] - a[:n].mean(), b[:n] - b[:n].mean()
        denominator = np.sqrt((x * x).sum() * (y * y).sum())
        if denominator > 0:
            rows.append(
                {
                    "n": n,
                    "token": shared["token"].iat[n - 1],
                    "pearson": (x * y).sum() / denominator,
                }
            )
    if not rows:
        raise CselabError("the SSC correlation is undefined for every n (constant SSCs)")
    return pd.DataFrame(rows)


def best_n(curve: pd.DataFrame, min_n: int = 10) -> tuple[int, float]:
    """argmax over n >= ``min_n`` of the correlation curve (the paper ignores the first,
    trivially perfect values, dominated by [PAD]/[CLS]/[SEP])."""
    eligible = curve[curve["n"] >= min_n]
    if eligible.empty:
        raise CselabError(
            f"the correlation curve has no n >= {min_n} (longest n: {curve['n'].max()})"
        )
    row = eligible.loc[eligible["pearson"].idxmax()]
    return int(row["n"]), float(row["pearson"])


def extreme_ssc_tokens(ssc: pd.DataFrame, k: int = 10) -> pd.DataFrame:
    """The k tokens with the largest positive and the k with the largest negative SSC
    (fewer when fewer tokens have that sign; an SSC of 0 is in neither list).

    Columns ``direction`` ("positive": less contextualised after fine-tuning, "negative":
    more), ``place`` (1 = most extreme), ``token, count, ssc``.
    """
    if k < 1:
        raise CselabError(f"extreme SSC tokens: k={k} must be >= 1")
    ranked = ssc.sort_values("ssc", ascending=False)
    positive = ranked[ranked["ssc"] > 0].head(k).assign(direction="positive")
    negative = ranked[ranked["ssc"] < 0].iloc[::-1].head(k).assign(direction="negative")
    positive.insert(0, "place", np.arange(1, len(positive) + 1))
    negative.insert(0, "place", np.arange(1, len(negative) + 1))
    both = pd.concat([positive, negative], ignore_index=True)
    return both[["direction", "place", "token", "count", "ssc"]]
