"""Pre-train a small "vanilla" BERT with masked-language modelling only.

Xiao et al. 2023 compare contrastively fine-tuned encoders with their *vanilla* (MLM-only)
starting points; no such encoder can be installed on offline machines, so this script
builds one from any text file (one passage per line, ``.gz`` accepted):

- transformers' ``BertForMaskedLM`` with ``DataCollatorForLanguageModeling`` (15 % of the
  tokens chosen; 80/10/10 mask/random/keep), the uncased WordPiece vocabulary of
  all-MiniLM-L6-v2's tokenizer (token ids comparable with MiniLM's);
- the vocabulary projection is applied to the masked positions only (the loss is the same
  as ``BertForMaskedLM``'s, whose projection of every position dominates a small model's
  step on a CPU);
- the first ``--eval-lines`` lines are held out for the MLM evaluation and the next
  ``--contrastive-lines`` for the contrastive stage (written beside the model, never
  trained on); held-out MLM loss and masked-token accuracy are logged every
  ``--eval-every`` steps (fixed masking seed) into ``metrics.csv``;
- ``OUT/encoder`` is the encoder without the MLM head in plain transformers layout (what
  ``cselab`` loads; mean pooling is added), ``OUT/mlm`` the whole MLM model;
- resumable: rerun the same command after an interruption and it continues from
  ``OUT/state`` (model, optimizer, scheduler, RNG, data position).

Default size (4 layers, 256 wide, sequences of at most 64 tokens) fits about an hour on
two CPU cores; with a hub, ``--init bert-base-uncased`` style runs are a matter of flags.

Usage:
    python examples/vanilla/pretrain_mlm.py --corpus ../shared/data/english-prose/english-prose.txt.gz \
        --out ~/.cache/cselab/vanilla-mini
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import random
import sys
import time
from pathlib import Path

import torch
from transformers import (
    AutoTokenizer,
    BertConfig,
    BertForMaskedLM,
    BertModel,
    DataCollatorForLanguageModeling,
    get_linear_schedule_with_warmup,
)

LOG_FIELDS = ["step", "tokens_seen", "train_loss", "eval_loss", "eval_accuracy", "lr", "seconds"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", required=True, help="text file, one passage per line (.gz ok)")
    p.add_argument("--out", required=True, help="output folder (resumed when it holds a run)")
    p.add_argument("--tokenizer", default="all-MiniLM-L6-v2", help="tokenizer dir or name")
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--intermediate", type=int, default=1024)
    p.add_argument("--max-length", type=int, default=64, help="tokens per line, [CLS]/[SEP] in")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--warmup", type=float, default=0.06, help="warm-up share of the steps")
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--mlm-probability", type=float, default=0.15)
    p.add_argument("--eval-lines", type=int, default=2000)
    p.add_argument("--contrastive-lines", type=int, default=50000)
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--save-every", type=int, default=250)
    p.add_argument("--max-lines", type=int, default=None, help="read only the first N lines")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def fail(message: str) -> None:
    print(f"pretrain_mlm: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def read_lines(path: Path, limit: int | None) -> list[str]:
    if not path.is_file():
        fail(f"corpus {str(path)!r} does not exist")
    opener = gzip.open if path.suffix == ".gz" else open
    lines: list[str] = []
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            text = line.strip()
            if text:
                lines.append(text)
            if limit is not None and len(lines) >= limit:
                break
    return lines


def resolve_tokenizer(name: str) -> str:
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    from cselab.models.loading import offline_copy

    local = offline_copy(name)
    return str(local) if local is not None else name


def length_batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of lines of similar length (little padding), in random order."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), chunk):
        block = sorted(order[start : start + chunk], key=lengths.__getitem__)
        batches += [block[i : i + batch_size] for i in range(0, len(block), batch_size)]
    rng.shuffle(batches)
    return [b for b in batches if len(b) == batch_size]


def masked_lm_loss(model: BertForMaskedLM, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy over the chosen positions only; returns (loss, number correct)."""
    hidden = model.bert(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
    ).last_hidden_state  # (B, T, d)
    chosen = batch["labels"] != -100  # (B, T)
    logits = model.cls(hidden[chosen])  # (M, V)
    targets = batch["labels"][chosen]  # (M,)
    loss = torch.nn.functional.cross_entropy(logits, targets)
    return loss, (logits.argmax(-1) == targets).sum()


@torch.no_grad()
def evaluate(model, collator, eval_ids: list[list[int]], batch_size: int) -> tuple[float, float]:
    """Held-out MLM loss and masked-token accuracy with a fixed masking seed."""
    model.eval()
    state = torch.random.get_rng_state()
    torch.manual_seed(1234)
    total, correct, count = 0.0, 0, 0
    for start in range(0, len(eval_ids), batch_size):
        batch = collator([{"input_ids": ids} for ids in eval_ids[start : start + batch_size]])
        loss, right = masked_lm_loss(model, batch)
        n = int((batch["labels"] != -100).sum())
        total, correct, count = total + float(loss) * n, correct + int(right), count + n
    torch.random.set_rng_state(state)
    model.train()
    return total / max(count, 1), correct / max(count, 1)


def standalone_encoder(model: BertForMaskedLM) -> BertModel:
    """The MLM model's encoder as a plain ``BertModel``.

    ``BertForMaskedLM`` has no pooler (BERT's pooler is trained by next-sentence prediction,
    which is not done here); a ``BertModel`` loaded without one reports it as missing on every
    load. The saved encoder therefore carries a seeded, untrained pooler, which no cselab
    pooling reads (mean / cls / max pool the last hidden states)."""
    torch.manual_seed(0)
    encoder = BertModel(model.config, add_pooling_layer=True)
    result = encoder.load_state_dict(model.bert.state_dict(), strict=False)
    assert not result.unexpected_keys, result.unexpected_keys
    assert all(k.startswith("pooler.") for k in result.missing_keys), result.missing_keys
    return encoder


def save_encoder(model: BertForMaskedLM, tokenizer, out: Path) -> None:
    """The encoder alone (plain transformers layout) and the whole MLM model."""
    rng = torch.random.get_rng_state()
    encoder = standalone_encoder(model)
    torch.random.set_rng_state(rng)
    for sub, module in (("encoder", encoder), ("mlm", model)):
        target = out / sub
        tmp = out / f".{sub}.tmp"
        module.save_pretrained(str(tmp), safe_serialization=True)
        tokenizer.save_pretrained(str(tmp))
        if target.exists():
            old = out / f".{sub}.old"
            target.rename(old)
            tmp.rename(target)
            for f in old.iterdir():
                f.unlink()
            old.rmdir()
        else:
            tmp.rename(target)


def save_state(out: Path, model, optimizer, scheduler, step: int, epoch_rng: dict) -> None:
    tmp = out / ".state.tmp"
    tmp.mkdir(exist_ok=True)
    from safetensors.torch import save_model

    save_model(model, str(tmp / "model.safetensors"))  # tied embeddings stored once
    torch.save(
        {
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "torch_rng": torch.random.get_rng_state(),
            "step": step,
            "data": epoch_rng,
        },
        tmp / "trainer.pt",
    )
    final = out / "state"
    if final.exists():
        for f in final.iterdir():
            f.unlink()
        final.rmdir()
    tmp.rename(final)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    run_config = {k: v for k, v in vars(args).items() if k not in {"out", "threads"}}
    config_path = out / "pretrain_config.json"
    if config_path.exists():
        previous = json.loads(config_path.read_text())
        changed = {k for k in run_config if k != "steps" and previous.get(k) != run_config[k]}
        if changed:
            fail(f"{out} holds a run with other settings ({sorted(changed)}); use another --out")
    config_path.write_text(json.dumps(run_config, indent=2))

    lines = read_lines(Path(args.corpus).expanduser(), args.max_lines)
    held = args.eval_lines + args.contrastive_lines
    if len(lines) <= held + args.batch_size:
        fail(
            f"corpus {args.corpus!r} has {len(lines)} lines; need more than {held + args.batch_size}"
        )
    eval_lines = lines[: args.eval_lines]
    contrastive_lines = lines[args.eval_lines : held]
    train_lines = lines[held:]
    for name, part in (
        ("heldout-eval.txt", eval_lines),
        ("heldout-contrastive.txt", contrastive_lines),
    ):
        (out / name).write_text("\n".join(part) + "\n", encoding="utf-8")

    tokenizer = AutoTokenizer.from_pretrained(resolve_tokenizer(args.tokenizer))

    def encode(texts: list[str]) -> list[list[int]]:
        return tokenizer(texts, truncation=True, max_length=args.max_length)["input_ids"]

    t0 = time.time()
    train_ids = encode(train_lines)
    eval_ids = encode(eval_lines)
    print(
        f"tokenized {len(train_ids):,} training lines ({sum(map(len, train_ids)):,} tokens) "
        f"in {time.time() - t0:.0f} s; {len(eval_ids):,} eval lines held out, "
        f"{len(contrastive_lines):,} for the contrastive stage",
        flush=True,
    )

    torch.manual_seed(args.seed)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=args.hidden,
        num_hidden_layers=args.layers,
        num_attention_heads=args.heads,
        intermediate_size=args.intermediate,
        max_position_embeddings=max(args.max_length, 128),
    )
    model = BertForMaskedLM(config)
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=args.mlm_probability)
    decay = [p for n, p in model.named_parameters() if not n.endswith(("bias", "LayerNorm.weight"))]
    rest = [p for n, p in model.named_parameters() if n.endswith(("bias", "LayerNorm.weight"))]
    optimizer = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": args.weight_decay},
            {"params": rest, "weight_decay": 0.0},
        ],
        lr=args.lr,
    )
    scheduler = get_linear_schedule_with_warmup(
        optimizer, int(args.warmup * args.steps), args.steps
    )
    step, epoch, position, tokens_seen = 0, 0, 0, 0
    state_dir = out / "state"
    if (state_dir / "trainer.pt").is_file():
        from safetensors.torch import load_model

        load_model(model, str(state_dir / "model.safetensors"))
        saved = torch.load(state_dir / "trainer.pt", weights_only=True)
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        torch.random.set_rng_state(saved["torch_rng"])
        step, epoch, position = saved["step"], saved["data"]["epoch"], saved["data"]["position"]
        tokens_seen = saved["data"].get("tokens_seen", 0)
        print(f"resumed at step {step}", flush=True)
    log_path = out / "metrics.csv"
    if step == 0 or not log_path.exists():
        with log_path.open("w", newline="") as handle:
            csv.writer(handle).writerow(LOG_FIELDS)

    lengths = [len(ids) for ids in train_ids]
    batches = length_batches(lengths, args.batch_size, random.Random(args.seed + epoch))
    model.train()
    n_params = sum(p.numel() for p in model.bert.encoder.parameters())
    print(
        f"BERT {args.layers}x{args.hidden}: {n_params / 1e6:.1f} M encoder parameters; "
        f"{len(batches):,} batches an epoch; {args.steps:,} steps",
        flush=True,
    )
    running, started, start_step, start_tokens = [], time.time(), step, tokens_seen
    while step < args.steps:
        if position >= len(batches):
            epoch, position = epoch + 1, 0
            batches = length_batches(lengths, args.batch_size, random.Random(args.seed + epoch))
        batch = collator([{"input_ids": train_ids[i]} for i in batches[position]])
        position += 1
        loss, _ = masked_lm_loss(model, batch)
        if not torch.isfinite(loss):
            fail(f"non-finite loss {float(loss)} at step {step + 1}; lower --lr")
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        tokens_seen += int(batch["attention_mask"].sum())
        running.append(loss.item())
        last = step == args.steps
        if step % args.eval_every == 0 or last or step == 1:
            eval_loss, eval_acc = evaluate(model, collator, eval_ids, 256)
            elapsed = time.time() - started
            row = [
                step,
                tokens_seen,
                sum(running) / len(running),
                eval_loss,
                eval_acc,
                scheduler.get_last_lr()[0],
                round(elapsed, 1),
            ]
            with log_path.open("a", newline="") as handle:
                csv.writer(handle).writerow(row)
            print(
                f"step {step}/{args.steps}: train {row[2]:.3f}, held-out loss {eval_loss:.3f} "
                f"(ppl {math.exp(min(eval_loss, 50)):.0f}), accuracy {eval_acc:.3f}, "
                f"{(tokens_seen - start_tokens) / max(elapsed, 1e-9):.0f} tokens/s",
                flush=True,
            )
            running = []
        if step % args.save_every == 0 or last:
            save_encoder(model, tokenizer, out)
            save_state(
                out,
                model,
                optimizer,
                scheduler,
                step,
                {"epoch": epoch, "position": position, "tokens_seen": tokens_seen},
            )
    if start_step == args.steps:  # a finished run rerun: rewrite its encoder
        save_encoder(model, tokenizer, out)
    print(f"saved the encoder to {out / 'encoder'}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
