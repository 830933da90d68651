#!/usr/bin/env bash
# Learning dynamics of all-MiniLM-L6-v2 at three temperatures (Xiao et al. 2023, Section 4.1):
# supervised positives = STS-B train pairs with gold score >= 4, batch 16, 100 steps,
# probes (anisotropy, L2 norm, self- and intra-sentence similarity on 300 STS-B dev
# sentences; STS-B dev Spearman; InfoNCE gradient parts) every 25 steps.
# About 10-15 minutes on 2 CPU cores; needs `cselab` on PATH (source .venv/bin/activate).
# Usage: bash examples/temperature_dynamics.sh [OUT_DIR]
set -euo pipefail
export HF_HUB_OFFLINE=1
OUT=${1:-runs/temperature_dynamics}
STSB=${STSB:-../shared/data/stsbenchmark}
mkdir -p "$OUT"
awk -F'\t' 'NR <= 300 {print $6}' "$STSB/sts-dev.csv" > "$OUT/probe_corpus.txt"
cat > "$OUT/base.yaml" <<YAML
model: all-MiniLM-L6-v2
loss: info_nce
data: $STSB/sts-train.csv
data_kind: scored_pairs
score_threshold: 4.0
batch_size: 16
learning_rate: 2.0e-5
warmup_steps: 10
max_steps: 100
max_seq_length: 48
checkpoint_every: 50
keep_checkpoints: 1
probe_every: 25
probe_corpus: $OUT/probe_corpus.txt
probe_max_sentences: 300
dev_data: $STSB/sts-dev.csv
seed: 42
YAML
# temperatures 0.025, 0.05, 0.1: powers of two around 0.05 (the sweep's default grid)
cselab sweep --config "$OUT/base.yaml" --out "$OUT/sweep" --span 1
cselab dynamics "$OUT"/sweep/tau* --out "$OUT/dynamics"
