"""Brute-force O(N²) references for the streaming geometry metrics.

Written from the papers' definitions with explicit loops over pairs / sentences / types,
sharing no code with ``cselab.geometry`` except the seeded hash that *defines* which items a
sampled metric draws (``uniform_keys``), so that a sample can be rebuilt here item by item.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import torch
from scipy.stats import pearsonr

from cselab.geometry.sampling import (
    STREAM_SENTENCE_SAMPLE,
    STREAM_TOKEN_IN_SENTENCE,
    STREAM_TOKEN_SAMPLE,
    uniform_keys,
)


def cos(u: torch.Tensor, v: torch.Tensor) -> float:
    return float(u @ v) / (float(u.norm()) * float(v.norm()))


def cosine_matrix(x: torch.Tensor) -> np.ndarray:
    n = len(x)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            out[i, j] = cos(x[i], x[j])
    return out


def mean_pairwise_cosine(x: torch.Tensor) -> float:
    """Mean cosine over ordered pairs i≠j, double loop."""
    n = len(x)
    total = sum(cos(x[i], x[j]) for i in range(n) for j in range(n) if i != j)
    return total / (n * (n - 1))


def sentences_of(sentence_ids: torch.Tensor) -> dict[int, list[int]]:
    """sentence id -> row indices, in order."""
    rows: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(sentence_ids.tolist()):
        rows[s].append(i)
    return dict(rows)


def key_of(seed: int, stream: int, *ids: int) -> float:
    return float(uniform_keys(seed, stream, *[torch.tensor([i]) for i in ids])[0])


def sampled_sentence_tokens(sentence_ids: torch.Tensor, n_sentences: int, seed: int) -> list[int]:
    """Rows of the paper's baseline sample: lowest-key sentences, one token from each."""
    chosen = []
    for s, rows in sentences_of(sentence_ids).items():
        u = key_of(seed, STREAM_TOKEN_IN_SENTENCE, s)
        chosen.append((key_of(seed, STREAM_SENTENCE_SAMPLE, s), rows[int(u * len(rows))]))
    chosen.sort()
    return [row for _, row in chosen[:n_sentences]]


def sampled_tokens(sentence_ids: torch.Tensor, n_samples: int, seed: int) -> list[int]:
    """Rows of a token reservoir sample: the n lowest keys of (sentence, index in sentence)."""
    keyed = []
    for s, rows in sentences_of(sentence_ids).items():
        for rank, row in enumerate(rows):
            keyed.append((key_of(seed, STREAM_TOKEN_SAMPLE, s, rank), row))
    keyed.sort()
    return [row for _, row in keyed[:n_samples]]


def anisotropy_sampled(x, sentence_ids, n_sentences, seed) -> float:
    return mean_pairwise_cosine(x[sampled_sentence_tokens(sentence_ids, n_sentences, seed)])


def self_similarity_per_type(
    x, token_ids, sentence_ids, min_count, first_occurrence_only
) -> dict[int, tuple[int, float]]:
    """token id -> (occurrences, mean pairwise cosine of the used occurrences)."""
    out = {}
    counts: dict[int, int] = defaultdict(int)
    for t in token_ids.tolist():
        counts[t] += 1
    for t, count in counts.items():
        rows, seen = [], set()
        for i in range(len(token_ids)):
            if int(token_ids[i]) != t:
                continue
            s = int(sentence_ids[i])
            if first_occurrence_only and s in seen:
                continue
            seen.add(s)
            rows.append(i)
        if count >= min_count and len(rows) >= 2:
            out[t] = (count, mean_pairwise_cosine(x[rows]), rows)
    return out


def self_similarity_shares(x, per_type) -> np.ndarray:
    """The paper code's per-type rogue-dimension shares (full cosine matrix, diagonal
    included), written with loops, then averaged over types."""
    shares = []
    for _, _, rows in per_type.values():
        m = x[rows]
        total = cosine_matrix(m).sum()
        dims = torch.zeros(m.shape[1], dtype=torch.float64)
        for a in range(len(m)):
            for b in range(len(m)):
                dims += m[a] * m[b] / (m[a].norm() * m[b].norm())
        shares.append((dims / total).numpy())
    return np.mean(shares, axis=0)


def intra_sentence(x, sentence_ids) -> float:
    values = []
    for rows in sentences_of(sentence_ids).values():
        mean = x[rows].mean(0)
        values.append(sum(cos(x[r], mean) for r in rows) / len(rows))
    return sum(values) / len(values)


def mean_norm(x) -> float:
    return sum(math.sqrt(sum(float(v) ** 2 for v in row)) for row in x) / len(x)


def dimension_contributions(x) -> np.ndarray:
    """cos_i = mean over ordered pairs u≠v of u_i v_i / (‖u‖‖v‖)."""
    n = len(x)
    total = torch.zeros(x.shape[1], dtype=torch.float64)
    for a in range(n):
        for b in range(n):
            if a != b:
                total += x[a] * x[b] / (x[a].norm() * x[b].norm())
    return (total / (n * (n - 1))).numpy()


def top_share_summary(contrib: np.ndarray) -> dict[str, float]:
    shares = sorted((c / contrib.sum() for c in contrib), reverse=True)
    out = {f"top{k}_share": sum(shares[:k]) for k in (1, 2, 3)}
    for p in (10, 20, 50):
        running, m = 0.0, 0
        while running < p / 100 - 1e-12:
            running += shares[m]
            m += 1
        out[f"dims_for_{p}pct"] = m
    return out


def informativity(x, ks, scores=None) -> dict[str, float]:
    """Delete the top-k columns (ranked by off-diagonal contribution, or by ``scores``),
    compare lower triangles."""
    ranking = dimension_contributions(x) if scores is None else np.asarray(scores)
    order = np.argsort(-ranking, kind="stable")
    n, d = x.shape
    before = cosine_matrix(x)
    lower = [(i, j) for i in range(n) for j in range(i)]
    out = {}
    for k in ks:
        if k >= d:
            continue
        keep = sorted(set(range(d)) - set(order[:k].tolist()))
        after = cosine_matrix(x[:, keep])
        r = pearsonr([before[i, j] for i, j in lower], [after[i, j] for i, j in lower])[0]
        out[f"informativity_r2_k{k}"] = r**2
    return out


def isoscore(x) -> float:
    """Rudman et al. (2022) Algorithm 1 step by step on the raw points."""
    points = x.numpy()
    n, d = points.shape
    centred = points - points.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=True)  # PCA axes (rows of vt)
    reoriented = centred @ vt.T  # step 2: coordinates on the principal axes
    variances = reoriented.var(axis=0, ddof=1)  # step 3
    variances = np.concatenate([variances, np.zeros(d - len(variances))])
    normalised = math.sqrt(d) * variances / np.linalg.norm(variances)  # step 4
    defect = np.linalg.norm(normalised - np.ones(d)) / math.sqrt(2 * (d - math.sqrt(d)))  # 5
    phi = (d - defect**2 * (d - math.sqrt(d))) ** 2 / d**2  # step 6
    return (d * phi - 1) / (d - 1)  # step 7


def singular_values(x) -> np.ndarray:
    points = x.numpy()
    sv = np.linalg.svd(points - points.mean(0), compute_uv=False)
    return np.concatenate([sv, np.zeros(points.shape[1] - len(sv))])


def effective_rank(x) -> float:
    sv = singular_values(x)
    p = sv[sv > 0] / sv.sum()
    return math.exp(-sum(pi * math.log(pi) for pi in p))


def partition_isotropy(x, covariance: bool = False) -> float:
    points = x.numpy()
    matrix = np.cov(points.T) if covariance else points.T @ points
    _, vectors = np.linalg.eigh(matrix)
    z = []
    for c in np.concatenate([vectors.T, -vectors.T]):
        z.append(sum(math.exp(float(c @ w)) for w in points))
    return min(z) / max(z)


def uniformity(x, t=2.0) -> float:
    n = len(x)
    total, pairs = 0.0, 0
    for i in range(n):
        for j in range(i + 1, n):
            diff = x[i] / x[i].norm() - x[j] / x[j].norm()
            total += math.exp(-t * float(diff @ diff))
            pairs += 1
    return math.log(total / pairs)


def alignment(x, y, alpha=2.0) -> float:
    return sum(
        float((x[i] / x[i].norm() - y[i] / y[i].norm()).norm()) ** alpha for i in range(len(x))
    ) / len(x)
