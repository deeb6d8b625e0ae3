#!/usr/bin/env bash
# One-step set-up: virtual environment, dependencies, offline embedding model, sample index.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# The CPU build of torch first: left to the resolver, sentence-transformers would pull a CUDA build.
.venv/bin/pip install --quiet "torch==2.13.0"
.venv/bin/pip install --quiet -e ".[dev]"
.venv/bin/qa models prepare
if [ "${QA_SKIP_SAMPLE_INDEX:-0}" != "1" ]; then
    .venv/bin/qa index build examples/corpus
fi
