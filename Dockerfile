# Policy QA service: API on port 8000 with the sample corpus indexed at build time.
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 \
    PYTHONUNBUFFERED=1 \
    QA_HOST=0.0.0.0 \
    QA_CACHE_DIR=/var/cache/qa_service

# g++ compiles llama.cpp (llm extra) for a portable CPU baseline, not the build host's own CPU.
ENV CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
RUN apt-get update && apt-get install -y --no-install-recommends gcc g++ libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY qa_service ./qa_service
COPY examples ./examples
COPY prompts ./prompts
# CPU build of torch first; the resolver would otherwise pick a multi-GB CUDA build.
RUN pip install "torch==2.13.0" && pip install ".[llm]" \
    && qa models prepare \
    && qa index build examples/corpus

EXPOSE 8000
CMD ["qa", "serve"]
