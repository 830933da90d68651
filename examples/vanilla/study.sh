#!/usr/bin/env bash
# Vanilla -> contrastive, in miniature: the central experiments of Xiao et al. 2023 and
# Li et al. 2024 on the small MLM-only encoder that examples/vanilla/pretrain_mlm.py builds.
# cselab commands only (plus head/awk to cut corpora); every step is skipped when its output
# already exists, so an interrupted study resumes where it stopped. See docs/reproduction.md.
#
# Usage:  bash examples/vanilla/study.sh [OUT]          (default OUT: runs/vanilla-study)
# Knobs (environment): VANILLA (the pre-training folder; default ~/.cache/cselab/vanilla-mini),
#   STSB (STS Benchmark folder), STEPS (fine-tuning steps per run, default 300), BATCH (64),
#   LR (learning rate, 1e-4), SEEDS (seeds of the objective comparison, "1 2"),
#   LI_STEPS (steps per objective in the comparison, default STEPS), PROBE_EVERY (STEPS/6),
#   OBJECTIVES (the compared losses, space-separated; default: all of Li et al.'s),
#   EVAL_MAX_LENGTH (the token limit of every STS-B test evaluation, default 64).
# About 3-4 hours on 2 CPU cores at the defaults.
set -euo pipefail
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
OUT=${1:-runs/vanilla-study}
VANILLA=${VANILLA:-$HOME/.cache/cselab/vanilla-mini}
STSB=${STSB:-../shared/data/stsbenchmark}
STEPS=${STEPS:-300}
BATCH=${BATCH:-64}
LR=${LR:-1e-4}
SEEDS=${SEEDS:-"1 2"}
LI_STEPS=${LI_STEPS:-$STEPS}
PROBE_EVERY=${PROBE_EVERY:-$((STEPS / 6 > 0 ? STEPS / 6 : 1))}
OBJECTIVES=${OBJECTIVES:-"info_nce arccon mpt met mat mhe mhe_mod mhs mhs_mod barlow_twins barlow_twins_mod vicreg vicreg_mod"}
CSELAB=${CSELAB:-cselab}
EVAL_MAX_LENGTH=${EVAL_MAX_LENGTH:-64}

[ -f "$VANILLA/encoder/config.json" ] || {
  echo "study: no encoder at $VANILLA/encoder; run examples/vanilla/pretrain_mlm.py first" >&2
  exit 2
}
mkdir -p "$OUT/models" "$OUT/data" "$OUT/geometry" "$OUT/runs" "$OUT/sts"
# the vanilla encoder under a readable name (tables label a model by its folder's name)
ln -sfn "$(cd "$VANILLA/encoder" && pwd)" "$OUT/models/vanilla"
V="$OUT/models/vanilla"

# --- corpora: held-out prose (never pre-trained on) and STS-B ---------------------------
head -n 1000 "$VANILLA/heldout-eval.txt" > "$OUT/data/prose-sample.txt"
ln -sfn "$(cd "$VANILLA" && pwd)/heldout-contrastive.txt" "$OUT/data/unsup-train.txt"
awk -F'\t' 'NR <= 500 {print $6}' "$STSB/sts-dev.csv" > "$OUT/data/probe.txt"

done_() { [ -e "$1" ] && echo "  (done: $1)"; }
final_model() {  # the run's final model (final/, or its last checkpoint for older runs)
  if [ -d "$1/final" ]; then echo "$1/final"; else ls -d "$1"/checkpoints/step-* | tail -n 1; fi
}

# --- 1. geometry of the vanilla model (Xiao et al. Sections 2.2-2.5) --------------------
echo "== 1. vanilla geometry"
for protocol in default xiao2023; do
  dir="$OUT/geometry/vanilla-stsb-$protocol"
  done_ "$dir/summary.json" || $CSELAB geometry "$V" --corpus "$STSB/sts-test.csv" \
    --protocol "$protocol" --out "$dir"
  dir="$OUT/geometry/vanilla-prose-$protocol"
  done_ "$dir/summary.json" || $CSELAB geometry "$V" --corpus "$OUT/data/prose-sample.txt" \
    --protocol "$protocol" --out "$dir"
done

# --- 2. contrastive fine-tuning from it, with probes: learning dynamics -----------------
# Unsupervised SimCSE (dropout views of held-out prose) under tau in {0.025, 0.05, 0.1}
# (Xiao et al. Section 4; powers of two), half the batch size and CLS pooling (App. B, D);
# the tau = 0.05 run is "SimCSE unsupervised" below. Supervised SimCSE: STS-B train pairs with
# gold score >= 4 as positives (no NLI data here), same settings.
echo "== 2. contrastive fine-tuning with probes"
cat > "$OUT/data/base.yaml" <<YAML
model: $V
loss: info_nce
temperature: 0.05
data: $OUT/data/unsup-train.txt
data_kind: sentences
batch_size: $BATCH
learning_rate: $LR
warmup_steps: $((STEPS / 10))
max_steps: $STEPS
max_seq_length: 32
pooling: mean
checkpoint_every: $STEPS
probe_every: $PROBE_EVERY
probe_corpus: $OUT/data/probe.txt
dev_data: $STSB/sts-dev.csv
seed: 42
YAML
$CSELAB sweep --config "$OUT/data/base.yaml" --out "$OUT/sweeps/temperature" \
  -t 0.025 -t 0.05 -t 0.1
$CSELAB train --config "$OUT/data/base.yaml" --data "$STSB/sts-train.csv" \
  --data-kind scored_pairs --set score_threshold=4.0 --out "$OUT/runs/simcse-sup"
$CSELAB sweep --config "$OUT/data/base.yaml" --out "$OUT/sweeps/batch" \
  -t 0.05 -b $((BATCH / 2))
$CSELAB sweep --config "$OUT/data/base.yaml" --out "$OUT/sweeps/pooling" -t 0.05 -p cls
UNSUP="$OUT/sweeps/temperature/tau0.05-bs$BATCH-mean"
ln -sfn "$(cd "$(final_model "$UNSUP")" && pwd)" "$OUT/models/simcse-unsup"
ln -sfn "$(cd "$(final_model "$OUT/runs/simcse-sup")" && pwd)" "$OUT/models/simcse-sup"
$CSELAB dynamics "$OUT"/sweeps/temperature/*/ --out "$OUT/dynamics-temperature"
$CSELAB dynamics "$OUT"/sweeps/batch/*/ "$UNSUP" --out "$OUT/dynamics-batch"
$CSELAB dynamics "$OUT"/sweeps/pooling/*/ "$UNSUP" --out "$OUT/dynamics-pooling"
$CSELAB dynamics "$UNSUP" "$OUT/runs/simcse-sup" --out "$OUT/dynamics-simcse"

# --- 3. vanilla vs fine-tuned: geometry, SSC, the two pairs' SSC correlation ------------
echo "== 3. vanilla vs fine-tuned (STS-B test sentence 1)"
for protocol in default xiao2023; do
  dir="$OUT/compare-$protocol"
  done_ "$dir/summary.json" || $CSELAB compare "$V" "$OUT/models/simcse-unsup" \
    --vanilla2 "$V" --finetuned2 "$OUT/models/simcse-sup" --corpus "$STSB/sts-test.csv" \
    --protocol "$protocol" --out "$dir"
done

# --- 4. Li et al.: objectives from the same vanilla, equal steps and batch ---------------
echo "== 4. objectives compared (Li et al. 2024)"
read -ra LOSSES_LI <<< "$OBJECTIVES"
for loss in "${LOSSES_LI[@]}"; do
  for seed in $SEEDS; do
    $CSELAB train --model "$V" --loss "$loss" --data "$OUT/data/unsup-train.txt" \
      --data-kind sentences --batch-size "$BATCH" --lr "$LR" --steps "$LI_STEPS" \
      --max-seq-length 32 --warmup-steps $((LI_STEPS / 10)) --pooling mean --seed "$seed" \
      --checkpoint-every "$LI_STEPS" --probe-every $((LI_STEPS / 3)) \
      --probe-corpus "$OUT/data/probe.txt" --dev-data "$STSB/sts-dev.csv" \
      --set probe_geometry=false --out "$OUT/objectives/$loss-seed$seed"
  done
done

# --- 5. STS-B test of the vanilla and of every fine-tuned model -------------------------
# All at one token limit, the pre-training length (fine-tuned models would otherwise keep
# their training limit of 32 and truncate ~4 % of the sentences the vanilla reads whole).
echo "== 5. STS-B test"
evaluate() {
  [ -e "$2" ] || $CSELAB evaluate "$1" --data "stsb:$STSB?split=test" --examples 0 \
    --max-seq-length "$EVAL_MAX_LENGTH" --out "$2"
}
evaluate "$V" "$OUT/sts/vanilla.json"
for run in "$OUT"/runs/* "$OUT"/sweeps/*/* "$OUT"/objectives/*; do  # every fine-tuned model
  [ -d "$run/checkpoints" ] || continue
  name=$(echo "${run#"$OUT"/}" | tr '/' '_')
  evaluate "$(final_model "$run")" "$OUT/sts/$name.json"
done

# --- 6. the report ------------------------------------------------------------------------
echo "== 6. report"
$CSELAB report "$OUT"/geometry/vanilla-stsb-xiao2023 "$OUT"/compare-xiao2023 \
  "$OUT"/dynamics-temperature "$OUT"/sts/vanilla.json "$OUT"/sts/runs_simcse-sup.json \
  "$OUT/sts/sweeps_temperature_tau0.05-bs$BATCH-mean.json" -o "$OUT/report.html"
echo "study written to $OUT"
