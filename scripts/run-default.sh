#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the main job on the embedded default:
# the geometry of all-MiniLM-L6-v2 on the corpus cselab ships, into ./cselab-out.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
.venv/bin/cselab geometry --out cselab-out --plots "$@"
