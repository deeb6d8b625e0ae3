#!/usr/bin/env bash
# One-step set-up: virtual environment, dependencies, offline embedding model, sample index.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# The CPU build of torch first: left to the resolver, sentence-transformers would pull a CUDA build.
.venv/bin/pip install --quiet "torch==2.13.0"
# The llm extra compiles llama.cpp once (about 11 minutes on 2 cores); pip caches the wheel after that.
.venv/bin/pip install --quiet -e ".[dev,llm]"
.venv/bin/qa models prepare
if [ "${QA_SKIP_SAMPLE_INDEX:-0}" != "1" ]; then
    .venv/bin/qa index build examples/corpus
fi
