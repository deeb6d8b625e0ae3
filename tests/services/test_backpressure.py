"""Back-pressure and cancellation of the /ask pipeline, on the real seeds index with a token-streaming
stand-in for the LLM (so timing is controlled): a full LLM queue answers `auto` with quotes at once and
turns `generative` away with 503 + Retry-After; a client that leaves stops generation."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from qa_service.api.main import create_app
from qa_service.core.errors import OverloadedError
from qa_service.generation.admission import Cancelled
from qa_service.services.answer import AnswerService, AskRequest
from tests.fakes import TokenGenerator

pytestmark = pytest.mark.slow

QUESTION = "柳州市技改项目最高补助多少？"
ENDLESS = ["补助"] * 400  # no sentence end: generation runs until stopped or out of tokens


def _service(settings, search, generator, **overrides) -> AnswerService:
    settings = settings.model_copy(update={"llm_max_tokens": 400, "index_watch_interval_s": 0, **overrides})
    return AnswerService(search, generator, settings)


@contextmanager
def _occupied(service: AnswerService) -> Iterator[None]:
    """Holds the only generation slot, as a long answer in progress would."""
    release, entered = threading.Event(), threading.Event()

    def hold() -> None:
        with service.admission.slot():
            entered.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    assert entered.wait(5)
    try:
        yield
    finally:
        release.set()
        thread.join()


def test_full_queue_answers_auto_with_quotes_at_once(seed_index_settings, seed_search_service) -> None:
    generator = TokenGenerator(ENDLESS)
    service = _service(seed_index_settings, seed_search_service, generator, llm_max_waiting=0)
    with _occupied(service):
        started = time.perf_counter()
        result = service.ask(AskRequest(QUESTION, mode="auto"))
        assert time.perf_counter() - started < 5
    assert result.mode_used == "extractive_busy"
    assert not result.refused and result.citations
    assert generator.calls == 0


def test_full_queue_turns_generative_away_before_the_stream(seed_index_settings, seed_search_service) -> None:
    service = _service(seed_index_settings, seed_search_service, TokenGenerator(ENDLESS), llm_max_waiting=0)
    with _occupied(service):
        with pytest.raises(OverloadedError):
            service.stream(AskRequest(QUESTION, mode="generative"))
        app = create_app(service._settings, seed_search_service, service)
        with TestClient(app) as client:
            response = client.post("/ask", json={"question": QUESTION, "mode": "generative"})
            assert response.status_code == 503
            assert int(response.headers["Retry-After"]) >= 1
            assert "busy" in response.json()["detail"]
            streamed = client.post("/ask/stream", json={"question": QUESTION, "mode": "generative"})
            assert streamed.status_code == 503
            assert client.post("/ask", json={"question": QUESTION, "mode": "auto"}).json()["mode_used"] == (
                "extractive_busy"
            )


def test_cancel_stops_generation_and_frees_the_slot(seed_index_settings, seed_search_service) -> None:
    generator = TokenGenerator(ENDLESS, delay_s=0.02)
    service = _service(seed_index_settings, seed_search_service, generator)
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    with pytest.raises(Cancelled):
        service.ask(AskRequest(QUESTION, mode="generative", cancel=cancel))
    assert generator.sent < 100  # 400 tokens would take 8 s
    assert generator.closed == 1
    assert service.admission.stats() == {"running": 0, "waiting": 0}


@pytest.fixture()
def live_server(seed_index_settings, seed_search_service):
    generator = TokenGenerator(ENDLESS, delay_s=0.02)
    service = _service(seed_index_settings, seed_search_service, generator)
    app = create_app(service._settings, seed_search_service, service)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port, generator, service
    server.should_exit = True
    thread.join(timeout=10)


def _wait_closed(generator: TokenGenerator, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while generator.closed == 0 and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_stream_client_that_leaves_stops_generation(live_server) -> None:
    port, generator, service = live_server
    body = {"question": QUESTION, "mode": "generative"}
    with (
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client,
        client.stream("POST", "/ask/stream", json=body) as response,
    ):
        assert response.status_code == 200
        time.sleep(0.5)
    _wait_closed(generator)
    assert generator.closed == 1
    assert generator.sent < 150
    assert service.admission.stats() == {"running": 0, "waiting": 0}


def test_a_plain_client_that_leaves_stops_generation(live_server) -> None:
    port, generator, service = live_server
    payload = json.dumps({"question": QUESTION, "mode": "generative"}).encode()
    request = (
        f"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(request)
        time.sleep(0.5)
    _wait_closed(generator)
    assert generator.closed == 1
    assert generator.sent < 150
    assert service.admission.stats() == {"running": 0, "waiting": 0}
