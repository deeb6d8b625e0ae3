#!/usr/bin/env bash
# One-step set-up: virtual environment, dependencies, offline embedding model, sample index.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# The CPU build of torch first: left to the resolver, sentence-transformers would pull a CUDA build.
.venv/bin/pip install --quiet "torch==2.13.0"
# llama.cpp is compiled once (5-11 minutes on 2 cores) into a wheel kept in $WHEELS and reused after.
# It is built for a portable CPU baseline, not -march=native: a native build on a machine reporting AMX
# crashed (SIGSEGV) in its first generation, and a native wheel in a shared cache breaks on other CPUs.
LLAMA_VERSION=0.3.36
WHEELS="${QA_WHEEL_CACHE:-$HOME/.cache/qa_service/wheels}"
if ! ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
    LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF"
    if [ "$(uname -m)" = "x86_64" ]; then
        LLAMA_CMAKE_ARGS="$LLAMA_CMAKE_ARGS -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
    fi
    echo "building llama-cpp-python $LLAMA_VERSION (once; cached in $WHEELS)"
    BUILD_DIR="$(mktemp -d)"  # an interrupted build must not leave a broken wheel in the cache
    CMAKE_ARGS="${CMAKE_ARGS:-$LLAMA_CMAKE_ARGS}" .venv/bin/pip wheel --quiet --no-cache-dir --no-deps \
        "llama-cpp-python==$LLAMA_VERSION" -w "$BUILD_DIR"
    mkdir -p "$WHEELS" && mv "$BUILD_DIR"/llama_cpp_python-*.whl "$WHEELS"/ && rm -rf "$BUILD_DIR"
fi
.venv/bin/pip install --quiet "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl
.venv/bin/pip install --quiet -e ".[dev,llm,eval]"
.venv/bin/qa models prepare
if [ "${QA_SKIP_SAMPLE_INDEX:-0}" != "1" ]; then
    .venv/bin/qa index build examples/corpus
fi
