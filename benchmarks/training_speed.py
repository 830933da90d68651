"""Training throughput of ``cselab train`` vs sentence-transformers, probe cost, GradCache memory.

Same model, data (STS-B train pairs with score >= 4), batch size and objective (InfoNCE with
cosine similarity and τ = 0.05 = sentence-transformers' MultipleNegativesRankingLoss with
scale 20), same number of steps, in one run; the sentence-transformers trainer is given
cselab's batches in cselab's order (a padded batch's cost depends on its texts), and both
sides run once untimed first (imports, first calls)::

    HF_HUB_OFFLINE=1 python benchmarks/training_speed.py [--steps 30] [--batch-size 32]

Prints examples/s of both and their ratio. Both timings cover the whole job — loading the
model, reading the data, training, saving the model — and each side runs ``--repeats``
times, interleaved (ST, cselab, ST, cselab, ...), so that load noise on a shared machine
does not favour either side: the ratio of the fastest runs and the median ratio of the
side-by-side pairs, and the ratio of their CPU times (process time, which other tenants
of a shared machine disturb less than wall time). Also prints the probe overhead as a
share of training time, and the peak memory of a batch-256 step with and without GradCache (each in a fresh subprocess:
CUDA peak allocation on a GPU, max RSS on CPU).
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

STSB = Path(__file__).resolve().parents[2] / "shared" / "data" / "stsbenchmark"


def cselab_config(args, out: Path, **changes):
    from cselab.training.config import TrainConfig

    values = dict(
        model=args.model,
        loss="info_nce",
        temperature=0.05,
        data=str(STSB / "sts-train.csv"),
        data_kind="scored_pairs",
        batch_size=args.batch_size,
        max_steps=args.steps,
        checkpoint_every=10**9,
        probe_every=None,
        learning_rate=2e-5,
        max_seq_length=64,
        output_dir=str(out),
        progress=False,
        device=args.device,
    )
    values.update(changes)
    return TrainConfig(**values)


def cselab_run(args, out: Path, **changes) -> tuple[float, object]:
    from cselab.training.trainer import train

    start = time.perf_counter()
    result = train(cselab_config(args, out, **changes))
    return time.perf_counter() - start, result


def st_run(args) -> float:
    """The sentence-transformers trainer on the very batches cselab trains on, in the same
    order (its own sampler would draw other batches, whose padded lengths, and so whose
    cost, differ by several per cent over a few dozen steps)."""
    start = time.perf_counter()
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    from cselab.models.loading import load_model
    from cselab.training.data import read_training_data
    from cselab.training.trainer import plan_steps

    with tempfile.TemporaryDirectory() as tmp:
        config = cselab_config(args, Path(tmp) / "unused")
        examples = read_training_data(
            config.data, config.data_kind, score_threshold=config.score_threshold
        )
        plan = plan_steps(examples, config)  # cselab's batches: lists of example indices
        ordered = [examples[i] for batch in plan for i in batch]
        data = Dataset.from_dict(
            {"anchor": [e.anchor for e in ordered], "positive": [e.positive for e in ordered]}
        )
        ends = list(itertools.accumulate(len(batch) for batch in plan))
        batches = [list(range(end - len(b), end)) for end, b in zip(ends, plan, strict=True)]

        class SameBatchesTrainer(SentenceTransformerTrainer):
            def get_batch_sampler(self, *_args, **_kwargs):  # the documented override point
                return batches

        model = load_model(args.model, device=args.device, max_seq_length=64)
        training_args = SentenceTransformerTrainingArguments(
            output_dir=tmp,
            per_device_train_batch_size=args.batch_size,
            max_steps=args.steps,
            learning_rate=2e-5,
            save_strategy="no",
            report_to="none",
            logging_steps=10**9,
            disable_tqdm=True,
            use_cpu=args.device == "cpu",
            seed=42,
        )
        loss = MultipleNegativesRankingLoss(model, scale=20.0)
        trainer = SameBatchesTrainer(model=model, args=training_args, train_dataset=data, loss=loss)
        trainer.train()
        model.save(str(Path(tmp) / "final"))  # a run ends with its model on disk (as cselab's)
        return time.perf_counter() - start


def peak_memory_child(args) -> None:
    """One batch-256 step (optionally GradCache); print peak memory in MiB as JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        cselab_run(args, Path(tmp), batch_size=256, max_steps=1, gradcache_mini_batch=args.mini)
    if args.device.startswith("cuda"):
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_mib": peak}))


def peak_memory(args, mini: int | None) -> float:
    command = [sys.executable, __file__, "--child", "--model", args.model, "--device", args.device]
    if mini:
        command += ["--mini", str(mini)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["peak_mib"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--mini", type=int, default=None)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    if args.child:
        return peak_memory_child(args)
    n = args.steps * args.batch_size
    with tempfile.TemporaryDirectory() as tmp:
        warm = argparse.Namespace(**{**vars(args), "steps": 2})
        st_run(warm)  # untimed: imports and first-call costs of both sides, so that the
        cselab_run(warm, Path(tmp) / "warm-up")  # first timed pair favours neither
        st_times, cs_times, st_cpu, cs_cpu = [], [], [], []
        for repeat in range(args.repeats):
            cpu = time.process_time()
            st_times.append(st_run(args))
            st_cpu.append(time.process_time() - cpu)
            cpu = time.process_time()
            seconds, result = cselab_run(args, Path(tmp) / f"plain{repeat}")
            cs_cpu.append(time.process_time() - cpu)
            cs_times.append(seconds)
            print(f"    pair {repeat + 1}: ST {st_times[-1]:.1f} s wall / {st_cpu[-1]:.1f} s CPU, "
                  f"cselab {cs_times[-1]:.1f} s wall / {cs_cpu[-1]:.1f} s CPU", flush=True)  # fmt: skip
        st_seconds, cs_seconds = min(st_times), min(cs_times)
        pair_ratios = [st / cs for st, cs in zip(st_times, cs_times, strict=True)]
        cpu_ratio = statistics.median(st_cpu) / statistics.median(cs_cpu)
        probed_seconds, probed = cselab_run(
            args,
            Path(tmp) / "probed",
            probe_every=max(1, args.steps // 3),
            dev_data=str(STSB / "sts-dev.csv"),
        )
        import pandas as pd

        table = pd.read_csv(probed.run_dir / "metrics.csv")
        probe_seconds = table[table["metric"] == "probe_seconds"]["value"]
    every = max(1, args.steps // 3)
    step_seconds = probed.train_seconds / args.steps
    per_probe = float(probe_seconds.mean())
    print(f"device {args.device}, model {args.model}, batch {args.batch_size}, {args.steps} steps")
    print(f"sentence-transformers trainer: {n / st_seconds:8.1f} pairs/s (load + data + train)")
    print(f"cselab train:                  {n / cs_seconds:8.1f} pairs/s")
    print(f"ratio cselab/ST (target >= 0.95): {st_seconds / cs_seconds:.3f} (fastest of each); "
          f"median of the {args.repeats} side-by-side pairs {statistics.median(pair_ratios):.3f} "
          f"({', '.join(f'{r:.3f}' for r in pair_ratios)})")  # fmt: skip
    print(f"CPU time (user + system, less sensitive to other load) ST / cselab: {cpu_ratio:.3f} "
          "(medians)")  # fmt: skip
    print(
        f"probes (geometry on 256 sentences + STS-B dev Spearman + gradient parts): "
        f"{per_probe:.1f} s each = {per_probe / step_seconds:.1f} training steps; "
        f"{probe_seconds.sum() / probed.train_seconds:.1%} of training time at every {every} "
        f"steps here, {per_probe / (200 * step_seconds):.1%} at the default probe_every 200"
    )
    if not args.skip_memory:
        full = peak_memory(args, None)
        cached = peak_memory(args, 32)
        unit = "CUDA peak allocated" if args.device.startswith("cuda") else "max RSS"
        print(f"batch 256 {unit}: {full:.0f} MiB plain, {cached:.0f} MiB GradCache (mini 32)")


if __name__ == "__main__":
    main()
