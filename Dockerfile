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
# CPU build of torch first; the resolver would otherwise pick a multi-GB CUDA build.
RUN pip install "torch==2.13.0" && pip install ".[llm]" \
    && qa models prepare \
    && qa index build examples/corpus

# API keys: the server binds 0.0.0.0, so it needs one and refuses to start without (README, "Security
# and limits"). Keys are state, not image content: they live on a volume, created before the first start:
#   docker volume create qa-keys
#   docker run --rm -v qa-keys:/var/lib/qa_service IMAGE qa keys create --scope admin --name ops
#   docker run -d -p 8000:8000 -v qa-keys:/var/lib/qa_service IMAGE
# (later ones with `docker exec CONTAINER qa keys create --scope ask`; a revoked key is refused at once).
# Behind a proxy that authenticates every request instead: -e QA_AUTH_REQUIRED=never.
ENV QA_KEYS_DB=/var/lib/qa_service/keys.sqlite3
VOLUME /var/lib/qa_service

EXPOSE 8000
# /ready: the index, the prompts (and the model in generative mode) are there; no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/ready', timeout=4)"
CMD ["qa", "serve"]
