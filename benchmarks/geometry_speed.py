"""Geometry benchmark: all-MiniLM-L6-v2 on STS-B, all layers, all metrics, side by side.

Prints, from one run (repeats interleaved, medians: this machine is shared and noisy):

  (a) the whole analysis divided by its own forward passes, wall clock and process CPU
      time, default protocol, at several corpus sizes (STS-B test sentence 1 = 1,379
      sentences; prefixes of STS-B train+dev+test, both sentences, 17,256 in all), with
      seconds per 1,000 sentences (and the forward passes' own), and the analysis' time
      beyond its forward passes per 1,000 tokens analysed. Targets: <= 1.3 at 1,379,
      <= 1.15 at >= 10,000, seconds per 1,000 sentences flat within 10 %.
  (b) with --paper-code DIR: whole-process time of ``cselab geometry --protocol xiao2023``
      (all metrics) against the paper's own pipeline (``python analysis_pipeline.py`` in
      DIR, gowitheflow-1998/on-isotropy-of-contrastive-SRL, its data step reading
      ../shared/data/stsbenchmark/sts-test.csv column 6), both on STS-B test sentence 1.
      Target: cselab >= 5x faster.
  (c) with --memory: peak resident memory of ``cselab geometry`` on STS-B test sentence 1
      and on a generated corpus 10x as large (the same sentences ten times, read lazily).
      Target: the same within 10 %.

    HF_HUB_OFFLINE=1 python benchmarks/geometry_speed.py [--sizes 1379,5000,17256]
        [--repeats 3] [--paper-code /tmp/xiao-code] [--memory] [--protocol default]
        [--threads 1]

The geometry's own work runs on the caller's threads (cselab.geometry.threads;
``CSELAB_GEOMETRY_THREADS=N`` to choose); ``--threads N`` sets torch's threads for the
whole run, forward passes included.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from cselab.data.corpora import load_corpus
from cselab.geometry.analysis import analyze_geometry
from cselab.models.loading import load_model, offline_copy

STSB = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "stsbenchmark"
REPORT_PEAK = "import resource, runpy, sys\nsys.argv = ['cselab'] + sys.argv[1:]\ntry:\n    runpy.run_module('cselab.cli.main', run_name='__main__')\nfinally:\n    print('peak_kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"  # noqa: E501


def corpora() -> dict[str, list[str]]:
    test = load_corpus(STSB / "sts-test.csv", sts_sentences="1").sentences
    every = [
        s for split in ("train", "dev", "test")
        for s in load_corpus(STSB / f"sts-{split}.csv", sts_sentences="both").sentences
    ]  # fmt: skip
    return {"test_s1": test, "all": every}


def scaling(model, sizes: list[int], repeats: int, protocol: str) -> None:
    data = corpora()
    runs: dict[int, list[tuple[float, float, float, float, int]]] = {n: [] for n in sizes}
    for repeat in range(repeats):  # interleaved: every size in every repeat
        for n in sizes:
            sentences = data["test_s1"] if n == len(data["test_s1"]) else data["all"][:n]
            start_cpu = time.process_time()
            result = analyze_geometry(model, sentences, protocol=protocol)
            cpu = time.process_time() - start_cpu
            forward_cpu = float(result.extra["forward_cpu_seconds"])  # type: ignore[arg-type]
            tokens = int(result.extra["tokens"])  # type: ignore[call-overload]
            runs[n].append((result.total_seconds, result.forward_seconds, cpu, forward_cpu, tokens))
            print(f"    repeat {repeat + 1}, {n} sentences ({tokens} tokens): analysis "
                  f"{result.total_seconds:.2f} s (CPU {cpu:.2f} s), its forward passes "
                  f"{result.forward_seconds:.2f} s (CPU {forward_cpu:.2f} s)", flush=True)  # fmt: skip
    print(f"\n(a) analysis / its forward passes, protocol {protocol}, medians of {repeats}")
    print("    sentences | wall ratio | CPU ratio | s per 1,000 sentences "
          "(forward passes) | extra s per 1,000 tokens | target")  # fmt: skip
    per_thousand = []
    for n in sizes:
        wall = statistics.median(t / f for t, f, *_ in runs[n])
        cpu = statistics.median(c / fc for _, _, c, fc, _ in runs[n])
        seconds = statistics.median(t for t, *_ in runs[n]) / n * 1000
        forward = statistics.median(f for _, f, *_ in runs[n]) / n * 1000
        extra = statistics.median((t - f) / k for t, f, _, _, k in runs[n]) * 1000
        per_thousand.append(seconds)
        target = 1.3 if n < 10_000 else 1.15
        verdict = "met" if wall <= target else "NOT met"
        print(f"    {n:9d} | {wall:10.3f} | {cpu:9.3f} | {seconds:7.3f} ({forward:.3f}) "
              f"{'':14}| {extra:24.3f} | <= {target} {verdict}")  # fmt: skip
    spread = max(per_thousand) / min(per_thousand) - 1
    print(
        f"    seconds per 1,000 sentences vary by {spread:.1%} (target: within 10 %); the "
        "corpora's sentences differ in length, see the forward passes' own seconds"
    )


def timed_child(command: list[str], cwd: str | None = None) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, peak KiB) of a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{command[:4]} failed:\n{done.stderr[-3000:]}")
    peak = [
        int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("peak_kib")
    ]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak[0] if peak else 0


def cselab_command(corpus: str, out: str, *extra: str) -> list[str]:
    return [sys.executable, "-c", REPORT_PEAK, "geometry", "all-MiniLM-L6-v2", "--corpus",
            corpus, "--out", out, *extra]  # fmt: skip


def against_paper(paper_code: Path, repeats: int) -> None:
    minilm = offline_copy("all-MiniLM-L6-v2")
    paper = [sys.executable, "analysis_pipeline.py", "--model_name", str(minilm)]
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(repeats):
            wall, cpu, _ = timed_child(
                cselab_command(str(STSB / "sts-test.csv"), out, "--protocol", "xiao2023")
            )
            ours.append((wall, cpu))
            wall, cpu, _ = timed_child(paper, cwd=str(paper_code))
            theirs.append((wall, cpu))
            print(f"    cselab {ours[-1][0]:.1f} s (CPU {ours[-1][1]:.1f} s), "
                  f"paper's code {theirs[-1][0]:.1f} s (CPU {theirs[-1][1]:.1f} s)", flush=True)  # fmt: skip
    wall = statistics.median(t[0] for t in theirs) / statistics.median(o[0] for o in ours)
    cpu = statistics.median(t[1] for t in theirs) / statistics.median(o[1] for o in ours)
    print(f"(b) whole process, xiao2023, STS-B test s1: the paper's code / cselab = {wall:.2f}x "
          f"wall, {cpu:.2f}x CPU (medians of {repeats}; target >= 5x: "
          f"{'met' if wall >= 5 else 'NOT met'})")  # fmt: skip


def memory() -> None:
    sentences = load_corpus(STSB / "sts-test.csv", sts_sentences="1").sentences
    with tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder) / "x1.txt", Path(folder) / "x10.txt"
        small.write_text("\n".join(sentences) + "\n", encoding="utf-8")
        large.write_text("\n".join(sentences * 10) + "\n", encoding="utf-8")
        peaks = {}
        for path in (small, large):
            _, _, peaks[path.name] = timed_child(cselab_command(str(path), folder))
    ratio = peaks["x10.txt"] / peaks["x1.txt"]
    print(f"(c) peak resident memory: {peaks['x1.txt'] / 1024:.0f} MiB on 1,379 sentences, "
          f"{peaks['x10.txt'] / 1024:.0f} MiB on 13,790 (ratio {ratio:.3f}; target within 10 %: "
          f"{'met' if abs(ratio - 1) <= 0.1 else 'NOT met'})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--protocol", default="default")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sizes", default="1379,5000,17256")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--paper-code", type=Path, default=None)
    parser.add_argument("--memory", action="store_true")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads for everything (forward too)"
    )
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = load_model(args.model, device=args.device)
    analyze_geometry(model, load_corpus(STSB / "sts-dev.csv").sentences[:64])  # warm-up
    sizes = [int(n) for n in args.sizes.split(",") if n]
    if sizes:
        scaling(model, sizes, args.repeats, args.protocol)
    if args.paper_code is not None:
        against_paper(args.paper_code, args.repeats)
    if args.memory:
        memory()
    print(
        f"torch threads: {torch.get_num_threads()}; CSELAB_GEOMETRY_THREADS="
        f"{os.environ.get('CSELAB_GEOMETRY_THREADS', 'unset')}; load average: {os.getloadavg()}"
    )


if __name__ == "__main__":
    sys.exit(main())
