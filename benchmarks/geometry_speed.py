"""Geometry benchmark: all-MiniLM-L6-v2, STS-B test sentence 1, all layers, all metrics.

Prints, from one run:
  (a) the whole analysis time divided by the time of its forward passes (target <= 1.25),
      and divided by the time of the same batches run alone without metrics; medians of
      --repeats interleaved runs (this machine is noisy)
  (b) the speed-up of the streaming metrics over a straightforward pairwise implementation
      of the O(N^2) ones (exact anisotropy, self-similarity, intra-sentence similarity),
      both timed on the last layer (streaming time = analysis minus forward passes)
  (c) peak memory (resident set; plus CUDA peak on a GPU)
and the last-layer values set beside the paper's (docs/geometry.md).

    HF_HUB_OFFLINE=1 python benchmarks/geometry_speed.py [--protocol xiao2023] [--device cuda]
        [--model all-mpnet-base-v2]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from cselab.data.corpora import load_corpus
from cselab.geometry.analysis import analyze_geometry
from cselab.geometry.protocols import PROTOCOLS
from cselab.models.loading import load_model
from cselab.models.token_view import TokenEncoder, token_view

STSB_TEST = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "stsbenchmark" / "sts-test.csv"
)
PAIRWISE_FAMILIES = ["anisotropy", "self_similarity", "intra_sentence"]


def pairwise_reference(x: torch.Tensor, ids: torch.Tensor, sent: torch.Tensor, min_count: int):
    """Straightforward O(N^2) versions: full cosine matrices, loops over types and sentences."""
    u = F.normalize(x, dim=-1)  # (n, d)
    n = len(u)
    total = 0.0
    for start in range(0, n, 2048):  # all pairs, chunked full cosine matrix
        total += float((u[start : start + 2048] @ u.T).sum())  # (c, n) summed
    anisotropy = (total - n) / (n * (n - 1))
    values = []
    for token in ids.unique():
        rows = u[ids == token]
        if len(rows) >= min_count:
            sim = rows @ rows.T  # (k, k)
            values.append(float((sim.sum() - len(rows)) / (len(rows) * (len(rows) - 1))))
    intra = []
    for s in sent.unique():
        rows = x[sent == s]
        intra.append(float(F.cosine_similarity(rows, rows.mean(0, keepdim=True)).mean()))
    return anisotropy, sum(values) / len(values), sum(intra) / len(intra)


def forward_only_seconds(model, sentences, protocol) -> tuple[float, float]:
    """(wall time of tokenizing and running the analysis's batches with no metric at all,
    the time of the model calls within it)."""
    start = time.perf_counter()
    encoder = TokenEncoder(model, max_length=protocol.max_length)
    for _ in encoder.batches(
        encoder.tokenize(sentences), batch_size=protocol.batch_size,
        pad_to=protocol.pad_to, sort_by_length=protocol.sort_by_length,
    ):  # fmt: skip
        pass
    return time.perf_counter() - start, encoder.forward_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--protocol", default="default")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--corpus", default=str(STSB_TEST))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    model = load_model(args.model, device=args.device)
    corpus = load_corpus(args.corpus, sts_sentences="1")
    analyze_geometry(model, corpus.sentences[:64], protocol=args.protocol)  # warm-up

    ratios, ratios_alone = [], []
    for _ in range(args.repeats):  # interleaved, medians: this machine is noisy
        alone, calls = forward_only_seconds(model, corpus.sentences, PROTOCOLS[args.protocol])
        result = analyze_geometry(
            model, corpus.sentences, protocol=args.protocol, model_label=args.model
        )
        ratios.append(result.total_seconds / result.forward_seconds)
        ratios_alone.append(result.total_seconds / alone)
        print(f"    analysis {result.total_seconds:.2f} s, its forward passes "
              f"{result.forward_seconds:.2f} s; the same batches run alone {alone:.2f} s "
              f"(model calls {calls:.2f} s)")  # fmt: skip
    print(f"corpus: {corpus.name}, {len(corpus.sentences)} sentences; protocol {args.protocol}")
    print(f"(a) analysis / its forward passes = {statistics.median(ratios):.3f}  (target <= 1.25; "
          f"median of {args.repeats}: {', '.join(f'{r:.3f}' for r in ratios)})")  # fmt: skip
    print(f"    analysis / the same batches run alone without metrics = "
          f"{statistics.median(ratios_alone):.3f}  (median)")  # fmt: skip

    streaming = analyze_geometry(
        model, corpus.sentences, protocol=args.protocol, metrics=PAIRWISE_FAMILIES,
        sentence_metrics=False, layers=[-1],
    )  # fmt: skip
    stream_metric_s = streaming.total_seconds - streaming.forward_seconds
    view = token_view(model, corpus.sentences, layers=[result.layers[-1]])
    start = time.perf_counter()
    ani, ss, intra = pairwise_reference(
        view.embeddings[result.layers[-1]], view.token_ids, view.sentence_ids,
        result.protocol.self_similarity_min_count,
    )  # fmt: skip
    pairwise_s = time.perf_counter() - start
    print(f"(b) pairwise metrics {pairwise_s:.2f} s vs streaming {stream_metric_s:.3f} s "
          f"(tokenize + metrics, one layer): speed-up x{pairwise_s / stream_metric_s:.1f}")  # fmt: skip
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cuda = (
        f", CUDA peak {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB"
        if torch.cuda.is_available()
        else ""
    )
    print(f"(c) peak resident memory {peak_mb:.0f} MiB{cuda}")

    last = result.table[result.table["layer"] == result.layers[-1]]
    print(f"\nlast layer ({result.layers[-1]}):")
    for metric, value in zip(last["metric"], last["value"], strict=True):
        print(f"  {metric:40s} {value: .4f}")
    check = dict(zip(streaming.table["metric"], streaming.table["value"], strict=True))
    print(f"\ncheck vs pairwise (default protocol only): anisotropy {check.get('anisotropy'):.5f} / "
          f"{ani:.5f}, intra {check.get('intra_sentence_similarity'):.5f} / {intra:.5f}, "
          f"self-sim {check.get('self_similarity'):.5f} / {ss:.5f}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
