"""Peak memory of one training step at batch 256, with and without GradCache, side by side.

    HF_HUB_OFFLINE=1 python benchmarks/gradcache_memory.py [--batch-size 256]
        [--mini-batch-size 32] [--model all-MiniLM-L6-v2] [--device cpu]

Each mode runs in a fresh Python process (so one mode's allocator caches cannot hide the
other's peak) on the same 256 STS-B train pairs (sentence 1 = anchor, sentence 2 =
positive), InfoNCE τ = 0.05, dropout on, one forward + backward:

- plain: each column embedded whole with a graph, loss, one ``backward``;
- gradcache: :func:`cselab.training.gradcache.gradcache_step` with mini-batches of
  ``--mini-batch-size``.

Method (CPU): the process's resident-set high-water mark (``VmHWM``) is reset through
``/proc/self/clear_refs`` right before the step and read from ``/proc/self/status`` after
it; the printed number is that peak minus the resident set just before the step, i.e. the
extra memory the step needed (activations kept for backward, gradients, temporaries). On a
GPU it is ``torch.cuda.max_memory_allocated`` minus the allocation before the step.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

STSB_TRAIN = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "stsbenchmark" / "sts-train.csv"
)


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def measure(mode: str, model_name: str, batch_size: int, mini_batch_size: int, device: str) -> dict:
    """One step in this process; returns the step's extra peak memory in MiB and its time."""
    import torch

    from cselab.data.sts import read_stsbenchmark
    from cselab.losses import LOSSES
    from cselab.models.loading import load_model
    from cselab.training.gradcache import gradcache_step, sentence_embedding_fn

    torch.manual_seed(0)
    pairs = read_stsbenchmark(STSB_TRAIN)[:batch_size]
    model = load_model(model_name, device=device, max_seq_length=128)
    model.train()
    columns = [
        {k: v.to(device) if torch.is_tensor(v) else v for k, v in model.tokenize(texts).items()}
        for texts in ([p.sentence1 for p in pairs], [p.sentence2 for p in pairs])
    ]
    loss = LOSSES["info_nce"](temperature=0.05)
    embed = sentence_embedding_fn(model)
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
    else:
        exact = _reset_peak()
        before = _status_kib("VmRSS") * 1024
    start = time.perf_counter()
    if mode == "plain":
        value = loss(*(embed(column) for column in columns))
        value.backward()
    else:
        value = gradcache_step(embed, columns, loss, mini_batch_size=mini_batch_size)
    if cuda:
        torch.cuda.synchronize()
        peak, exact = torch.cuda.max_memory_allocated(), True
    else:
        peak = _status_kib("VmHWM") * 1024
    seconds = time.perf_counter() - start
    return {
        "mode": mode,
        "extra_peak_mib": (peak - before) / 2**20,
        "seconds": seconds,
        "loss": float(value),
        "tokens_per_column": int(columns[0]["input_ids"].shape[1]),
        "exact_peak": exact,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--mini-batch-size", type=int, default=32)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--mode", choices=["plain", "gradcache"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:  # child process: measure one mode, print JSON
        print(
            json.dumps(
                measure(args.mode, args.model, args.batch_size, args.mini_batch_size, args.device)
            )
        )
        return
    results = []
    for mode in ("plain", "gradcache"):
        child = [sys.executable, __file__, "--mode", mode, "--model", args.model,
                 "--batch-size", str(args.batch_size), "--mini-batch-size",
                 str(args.mini_batch_size), "--device", args.device]  # fmt: skip
        done = subprocess.run(child, capture_output=True, text=True, check=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    plain, cached = results
    print(f"model {args.model}, batch {args.batch_size}, device {args.device}, "
          f"{plain['tokens_per_column']} tokens per padded sentence")  # fmt: skip
    print(f"{'mode':<28}{'extra peak (MiB)':>18}{'step (s)':>10}{'loss':>10}")
    for r, label in ((plain, "plain"), (cached, f"gradcache (mini {args.mini_batch_size})")):
        print(f"{label:<28}{r['extra_peak_mib']:>18.1f}{r['seconds']:>10.2f}{r['loss']:>10.4f}")
    print(
        f"memory ratio plain / gradcache: {plain['extra_peak_mib'] / cached['extra_peak_mib']:.2f}"
    )
    if not (plain["exact_peak"] and cached["exact_peak"]):
        print("warning: could not reset the RSS high-water mark; peaks include start-up")


if __name__ == "__main__":
    main()
