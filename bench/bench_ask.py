"""Benchmark: /ask latency and time to first streamed token, over HTTP on loopback, per answer mode.

Uses the published index (QA_INDEX_DIR, built by scripts/setup.sh) and the configured LLM.

.venv/bin/python bench/bench_ask.py [--dataset eval/datasets/seeds_dev.jsonl] [--limit 40]
    [--modes auto,extractive]
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import uvicorn

from qa_service.api.main import create_app
from qa_service.core.config import get_settings
from qa_service.core.stats import percentile


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _first_token_ms(client: httpx.Client, question: str, mode: str) -> tuple[float, float]:
    """(time to the first token event, time to the done event) of one streamed answer, in ms."""
    sent = time.perf_counter()
    first = None
    with client.stream("POST", "/ask/stream", json={"question": question, "mode": mode}) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if first is None and line in ("event: token", "event: replace"):
                first = (time.perf_counter() - sent) * 1000
    total = (time.perf_counter() - sent) * 1000
    return (first if first is not None else total), total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", type=Path, default=Path("eval/datasets/seeds_dev.jsonl"))
    parser.add_argument("--limit", type=int, default=40, help="questions per mode (spread over the file)")
    parser.add_argument("--modes", default="auto,extractive")
    args = parser.parse_args()

    lines = [
        json.loads(line) for line in args.dataset.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    step = max(1, len(lines) // args.limit)
    questions = [row["question"] for row in lines[::step]][: args.limit]
    settings = get_settings()
    started = time.perf_counter()
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    print(f"server start (index, embedding model, LLM preload): {time.perf_counter() - started:.1f} s")
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        for mode in args.modes.split(","):
            client.post("/ask", json={"question": questions[0], "mode": mode}).raise_for_status()  # warm-up
            latencies, used = [], Counter()
            for question in questions:
                sent = time.perf_counter()
                response = client.post("/ask", json={"question": question, "mode": mode})
                response.raise_for_status()
                latencies.append((time.perf_counter() - sent) * 1000)
                used[response.json()["mode_used"]] += 1
            streamed = [_first_token_ms(client, question, mode) for question in questions]
            first = [ttft for ttft, _ in streamed]
            print(
                f"{mode}: /ask over {len(questions)} questions p50 {percentile(latencies, 50):.0f} ms, "
                f"p95 {percentile(latencies, 95):.0f} ms, max {max(latencies):.0f} ms; "
                f"/ask/stream first token p50 {percentile(first, 50):.0f} ms, "
                f"p95 {percentile(first, 95):.0f} ms; answers by {dict(used)}"
            )
    server.should_exit = True
    thread.join(timeout=5)


if __name__ == "__main__":
    main()
