"""Benchmark: index build of the sample corpus and /search latency over HTTP on loopback.

.venv/bin/python bench/bench_search.py [--corpus examples/corpus] [--requests 200]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from qa_service.api.main import create_app
from qa_service.bootstrap import build_embedder, build_search_service
from qa_service.core.config import Settings
from qa_service.services.indexing import build_index

QUERIES = [
    "我们厂做技改，最多补多少？",
    "概念验证中心需要多少专职人员",
    "企业技术中心认定条件",
    "科创飞地有什么支持政策",
    "How much subsidy for digital transformation?",
    "高新技术企业研发经费支持",
    "产业园区扩区条件",
    "人工智能+制造 行动方案 目标",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=Path("examples/corpus"))
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(index_dir=Path(folder) / "default")
        started = time.perf_counter()
        embedder = build_embedder(settings)
        print(f"model load: {time.perf_counter() - started:.2f} s")
        report = build_index([args.corpus], settings, embedder)
        print(
            f"index build (model load excluded): {report.seconds_total:.2f} s for "
            f"{report.documents} documents, {report.chunks} chunks (ingest {report.seconds_ingest:.2f} s, "
            f"embed {report.seconds_embed:.2f} s, {report.chunks_per_second:.1f} chunks/s)"
        )
        service = build_search_service(settings, embedder)
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(settings, service), port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        latencies = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for query in QUERIES:  # warm-up
                client.post("/search", json={"query": query}).raise_for_status()
            for index in range(args.requests):
                query = QUERIES[index % len(QUERIES)]
                sent = time.perf_counter()
                client.post("/search", json={"query": query, "top_k": 5}).raise_for_status()
                latencies.append((time.perf_counter() - sent) * 1000)
        server.should_exit = True
        thread.join(timeout=5)
    latencies.sort()
    print(
        f"/search over HTTP, {len(latencies)} requests: p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95) - 1]:.1f} ms, max {latencies[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
