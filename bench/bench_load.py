"""Load benchmark: many clients at once against a real `qa serve` on loopback, bounded in count and time.

Prints, per scenario, requests per second, latency p50/p95/max, errors (5xx, other statuses,
transport failures), how the answers were made (mode_used) and /health latency under that load.
Targets (issue 9): 0 × 5xx, no auto request past 60 s, /health p95 ≤ 100 ms.

.venv/bin/python bench/bench_load.py [--scenarios extractive:50,auto:8] [--requests 4] [--port 0]

Each client sends `--requests` questions one after another (spread over the dev set), so a scenario
sends clients × requests requests and stops by itself; every request has a 90 s client timeout.
The server is started as its own process (`python -m qa_service.cli serve`), as users run it, so the
clients do not share its interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from qa_service.api.security import is_loopback
from qa_service.core.stats import percentile

LOOPBACK = "127.0.0.1"
CLIENT_TIMEOUT_S = 90.0
STARTUP_TIMEOUT_S = 180.0


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    modes: Counter = field(default_factory=Counter)
    transport_errors: int = 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def _questions(dataset: Path) -> list[str]:
    rows = [json.loads(line) for line in dataset.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["question"] for row in rows]


async def _client(
    client: httpx.AsyncClient, questions: list[str], offset: int, count: int, mode: str, outcome: Outcome
) -> None:
    for index in range(count):
        question = questions[(offset * count + index) % len(questions)]
        sent = time.perf_counter()
        try:
            response = await client.post("/ask", json={"question": question, "mode": mode})
        except httpx.HTTPError:
            outcome.transport_errors += 1
            continue
        outcome.latencies_ms.append((time.perf_counter() - sent) * 1000)
        outcome.statuses[response.status_code] += 1
        if response.status_code == 200:
            outcome.modes[response.json()["mode_used"]] += 1


async def _probe_health(client: httpx.AsyncClient, stop: asyncio.Event, latencies: list[float]) -> None:
    while not stop.is_set():
        sent = time.perf_counter()
        try:
            await client.get("/health")
            latencies.append((time.perf_counter() - sent) * 1000)
        except httpx.HTTPError:
            latencies.append(CLIENT_TIMEOUT_S * 1000)
        await asyncio.sleep(0.1)


async def _scenario(base_url: str, mode: str, clients: int, requests: int, questions: list[str]) -> None:
    outcome, health = Outcome(), []
    limits = httpx.Limits(max_connections=clients + 2, max_keepalive_connections=clients + 2)
    async with httpx.AsyncClient(base_url=base_url, timeout=CLIENT_TIMEOUT_S, limits=limits) as client:
        stop = asyncio.Event()
        prober = asyncio.create_task(_probe_health(client, stop, health))
        started = time.perf_counter()
        await asyncio.gather(
            *(_client(client, questions, offset, requests, mode, outcome) for offset in range(clients))
        )
        seconds = time.perf_counter() - started
        stop.set()
        await prober
    total = sum(outcome.statuses.values())
    server_errors = sum(count for status, count in outcome.statuses.items() if status >= 500)
    over_60s = sum(latency > 60_000 for latency in outcome.latencies_ms)
    latencies = outcome.latencies_ms
    print(
        f"{mode} × {clients} clients × {requests} requests: {total / seconds:.2f} req/s "
        f"over {seconds:.1f} s; latency p50 {percentile(latencies, 50):.0f} ms, "
        f"p95 {percentile(latencies, 95):.0f} ms, max {max(latencies, default=0):.0f} ms; "
        f"5xx {server_errors}, statuses {dict(outcome.statuses)}, transport errors "
        f"{outcome.transport_errors}, past 60 s {over_60s}; answers by {dict(outcome.modes)}; "
        f"/health under load p50 {percentile(health, 50):.1f} ms, p95 {percentile(health, 95):.1f} ms "
        f"({len(health)} probes)"
    )


def _start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "QA_PORT": str(port), "QA_HOST": LOOPBACK}
    command = [sys.executable, "-m", "qa_service.cli", "serve", "--host", LOOPBACK, "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_ready(base_url: str, server: subprocess.Popen) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < STARTUP_TIMEOUT_S:
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}: {server.stderr.read()[-2000:]}")
        try:
            if httpx.get(f"{base_url}/ready", timeout=2).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"server not ready after {STARTUP_TIMEOUT_S:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenarios", default="extractive:50,auto:8", help="mode:clients, comma-separated")
    parser.add_argument("--requests", type=int, default=4, help="requests each client sends")
    parser.add_argument("--dataset", type=Path, default=Path("eval/datasets/seeds_dev.jsonl"))
    parser.add_argument("--url", help="an already running server (loopback only) instead of starting one")
    args = parser.parse_args()

    questions = _questions(args.dataset)
    server = None
    base_url = args.url
    if base_url is None:
        port = _free_port()
        base_url = f"http://{LOOPBACK}:{port}"
        server = _start_server(port)
        print(f"server ready in {_wait_ready(base_url, server):.1f} s")
    elif not is_loopback(httpx.URL(base_url).host):
        raise SystemExit("this benchmark only sends traffic to loopback addresses")
    try:
        for scenario in args.scenarios.split(","):
            mode, clients = scenario.split(":")
            asyncio.run(_scenario(base_url, mode, int(clients), args.requests, questions))
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()
