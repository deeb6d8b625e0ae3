"""HTTP that never 500s on input: text that is not Unicode, numbers that are not counts, bodies too
large or too slow, and error bodies that say what the schema says they say.

In process over a small index built with the test embedder, and against a real uvicorn server on
127.0.0.1 (raw sockets) where the server's own behaviour is the point: 413 before the body is read,
408 for a body that trickles in, HEAD without a body, a shutdown that does not wait forever.
"""

from __future__ import annotations

import asyncio
import json
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import jsonschema_rs  # schemathesis brings it (dev extra)
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from qa_service.api.main import create_app
from qa_service.api.middleware import uvicorn_limits
from qa_service.core.config import Settings
from qa_service.services.answer import AnswerService
from qa_service.services.indexing import build_index
from qa_service.services.search import SearchService
from tests.fakes import HashingEmbedder
from tests.retrieval.test_store import POLICY

LIMIT = 64 * 1024  # QA_MAX_BODY_BYTES for these tests: small, so "over the limit" costs nothing
SURROGATE = "\ud800"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("hardening")
    (folder / "corpus").mkdir()
    (folder / "corpus" / "policy.txt").write_text(POLICY, encoding="utf-8")
    settings = Settings(
        index_dir=folder / "index" / "default",
        max_body_bytes=LIMIT,
        request_read_timeout_s=0.5,
        shutdown_timeout_s=1,
        index_watch_interval_s=0,
        llm_preload=False,
        auth_required="never",
    )
    build_index([folder / "corpus"], settings, HashingEmbedder())
    return settings


@pytest.fixture(scope="module")
def app(settings: Settings) -> FastAPI:
    search = SearchService.from_settings(settings, HashingEmbedder())
    return create_app(settings, search, AnswerService(search, None, settings))  # no LLM: extractive


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    # The JSON is written by hand in these tests: json= would refuse NaN and lone surrogates.
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def post_raw(client: TestClient, path: str, body: str | bytes):
    return client.post(path, content=body, headers={"Content-Type": "application/json"})


def assert_matches_documented_schema(app: FastAPI, path: str, status: int, body: dict) -> None:
    spec = app.openapi()
    documented = spec["paths"][path]["post"]["responses"][str(status)]["content"]["application/json"]
    jsonschema_rs.validate({**documented["schema"], "components": spec["components"]}, body)


# --- text that is not Unicode, numbers that are not counts: 422, never 500 -----------------------

SURROGATE_BODIES = [
    ("/ask", {"question": SURROGATE}),
    ("/ask", {"question": f"补助{SURROGATE}多少"}),
    ("/ask", {"question": "补助", "history": [{"role": "user", "content": SURROGATE}]}),
    ("/ask", {"question": "补助", "doc_ids": [SURROGATE]}),
    ("/ask/stream", {"question": SURROGATE}),
    ("/search", {"query": SURROGATE}),
    ("/search", {"query": "补助", "doc_ids": [f"p-01{SURROGATE}"]}),
]


@pytest.mark.parametrize(("path", "body"), SURROGATE_BODIES)
def test_lone_surrogates_are_422_with_a_message(client, app, path: str, body: dict) -> None:
    # json.dumps writes the surrogate as the escape "\ud800", as a client's JSON library would.
    response = post_raw(client, path, json.dumps(body))
    assert response.status_code == 422, response.text
    payload = response.json()
    assert "contains a lone surrogate (\\ud800)" in payload["detail"]
    assert payload["errors"] and SURROGATE not in response.text
    assert_matches_documented_schema(app, path, 422, payload)


NOT_COUNTS = ["NaN", "Infinity", "-Infinity", "1e400", '"1"', "true", "5.5", "null", "[5]"]


@pytest.mark.parametrize("top_k", NOT_COUNTS)
def test_top_k_that_is_not_a_count_is_422_on_search(client, app, top_k: str) -> None:
    response = post_raw(client, "/search", f'{{"query": "补助", "top_k": {top_k}}}')
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("top_k: ")
    assert_matches_documented_schema(app, "/search", 422, response.json())


@pytest.mark.parametrize("top_k", [t for t in NOT_COUNTS if t != "null"])  # null: the default
def test_top_k_that_is_not_a_count_is_422_on_ask(client, top_k: str) -> None:
    response = post_raw(client, "/ask", f'{{"question": "补助", "top_k": {top_k}}}')
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("top_k: ")


def test_top_k_is_what_json_schema_calls_an_integer(client) -> None:
    # "integer" includes 2.0 (refusing it would reject what the schema allows), and not "2".
    assert post_raw(client, "/search", '{"query": "补助", "top_k": 2.0}').status_code == 200
    assert post_raw(client, "/search", '{"query": "补助", "top_k": "2"}').status_code == 422


def test_nan_anywhere_in_the_body_is_never_a_500(client) -> None:
    for body in ("NaN", "[NaN]", '{"query": NaN}', '{"query": "补助", "doc_ids": [Infinity]}'):
        response = post_raw(client, "/search", body)
        assert response.status_code == 422, (body, response.text)


def test_a_thousand_bad_values_get_a_short_answer(client, app) -> None:
    response = post_raw(client, "/search", json.dumps({"query": "补助", "doc_ids": [SURROGATE] * 1000}))
    assert response.status_code == 422
    assert response.json()["detail"].endswith("(and 997 more)")
    assert len(response.json()["errors"]) == 20 and len(response.content) < 5000
    assert_matches_documented_schema(app, "/search", 422, response.json())


def test_invalid_json_is_422_with_the_position(client, app) -> None:
    response = post_raw(client, "/search", '{"query": "补助",')
    assert response.status_code == 422
    assert response.json()["detail"].startswith("the body is not valid JSON at character 15")
    assert_matches_documented_schema(app, "/search", 422, response.json())


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": "\xff"}',  # not UTF-8
        b"[" * 20_000 + b"]" * 20_000,  # deeper than the parser recurses
        b'{"query": "x", "top_k": ' + b"9" * 5000 + b"}",  # past Python's int-parsing digit limit
    ],
    ids=["not-utf8", "deep-nesting", "5000-digit-number"],
)
def test_a_body_the_json_parser_cannot_read_is_a_documented_400(client, app, body: bytes) -> None:
    response = post_raw(client, "/search", body)
    assert response.status_code == 400, response.text
    assert_matches_documented_schema(app, "/search", 400, response.json())


def test_every_422_has_a_string_detail_as_documented(client, app) -> None:
    schema_error = post_raw(client, "/search", '{"top_k": 3}')  # pydantic: missing field
    service_error = post_raw(client, "/search", '{"query": "   "}')  # the service: blank query
    for response in (schema_error, service_error):
        assert response.status_code == 422
        assert isinstance(response.json()["detail"], str)
        assert_matches_documented_schema(app, "/search", 422, response.json())
    assert schema_error.json()["errors"][0]["loc"] == ["body", "query"]


def test_the_schema_says_what_blank_questions_get(app) -> None:
    schemas = app.openapi()["components"]["schemas"]
    for model, field in (("SearchRequest", "query"), ("AskRequest", "question")):
        assert schemas[model]["properties"][field]["minLength"] == 1
        assert schemas[model]["properties"][field]["pattern"] == r"\S"


def test_every_error_status_a_route_gives_is_documented(app) -> None:
    paths = app.openapi()["paths"]
    for path in ("/ask", "/ask/stream", "/search"):
        assert {"401", "403", "404", "408", "413", "422", "429", "503"} <= set(
            paths[path]["post"]["responses"]
        )
        assert "Retry-After" in paths[path]["post"]["responses"]["429"]["headers"]
    assert {"401", "403", "404", "429", "503"} <= set(paths["/documents/{doc_id}"]["get"]["responses"])
    # FastAPI's own 422 body (detail: array) is documented nowhere: the app never sends it.
    assert "HTTPValidationError" not in json.dumps(paths)


# --- bodies over QA_MAX_BODY_BYTES: 413, refused before they are read ----------------------------


async def _post_in_chunks(
    app: FastAPI, chunks: Iterator[bytes], headers: list[tuple[bytes, bytes]]
) -> tuple[int, bytes, int]:
    """Calls the app as a server would, handing it the body one chunk per `receive`; returns the
    status, the response body and how many body bytes the app asked for."""
    read = 0
    status = 0
    response = b""

    async def receive() -> dict:
        nonlocal read
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict) -> None:
        nonlocal status, response
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            response += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/search",
        "raw_path": b"/search",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    await app(scope, receive, send)
    return status, response, read


def _ten_megabytes() -> Iterator[bytes]:
    yield b'{"query": "'
    for _ in range(160):
        yield b"x" * 65536


def test_content_length_over_the_limit_is_413_before_any_byte_is_read(app) -> None:
    started = time.perf_counter()
    status, body, read = asyncio.run(
        _post_in_chunks(app, _ten_megabytes(), [(b"content-length", str(10 * 1024 * 1024).encode())])
    )
    assert status == 413
    assert json.loads(body)["detail"] == f"the request body is over the {LIMIT}-byte limit"
    assert read == 0
    assert time.perf_counter() - started < 2


def test_a_chunked_body_over_the_limit_is_413_once_the_limit_is_passed(app, client) -> None:
    status, body, read = asyncio.run(_post_in_chunks(app, _ten_megabytes(), []))
    assert status == 413
    assert isinstance(json.loads(body)["detail"], str)
    assert LIMIT < read <= LIMIT + 2 * 65536  # stopped at the first chunk past the limit, not at 10 MB
    # and a body just under the limit is served (unknown fields are ignored)
    under = json.dumps({"query": "技术改造补助", "padding": "x" * (LIMIT - 100)})
    assert len(under) < LIMIT
    assert post_raw(client, "/search", under).status_code == 200


# --- a real server: 413 on the wire, slow bodies, HEAD, shutdown ---------------------------------


@dataclass
class Running:
    port: int
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> float:
        """Asks the server to shut down (as SIGTERM does); the seconds it took to stop."""
        started = time.monotonic()
        self.server.should_exit = True
        self.thread.join(timeout=15)
        return time.monotonic() - started


@contextmanager
def serving(app: FastAPI, settings: Settings) -> Iterator[Running]:
    """`app` under uvicorn on 127.0.0.1, with the limits `qa serve` gives it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", lifespan="off", **uvicorn_limits(settings))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    running = Running(sock.getsockname()[1], server, thread)
    try:
        yield running
    finally:
        running.stop()
        sock.close()


def read_response(conn: socket.socket, timeout_s: float) -> bytes:
    """Everything the server sends until it closes the connection (or `timeout_s` passes)."""
    conn.settimeout(timeout_s)
    data = b""
    try:
        while chunk := conn.recv(65536):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data


@pytest.fixture(scope="module")
def server(app: FastAPI, settings: Settings) -> Iterator[int]:
    with serving(app, settings) as running:
        yield running.port


def test_the_server_answers_413_to_a_declared_100_mb_body_without_waiting_for_it(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as conn:
        started = time.monotonic()
        conn.sendall(
            b"POST /search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 104857600\r\n\r\n"
        )
        conn.settimeout(5)
        head = conn.recv(65536)
        assert head.startswith(b"HTTP/1.1 413 "), head
        assert time.monotonic() - started < 2  # no byte of the body was sent: nothing was waited for


def test_a_body_that_trickles_in_gets_408_and_the_connection_is_closed(server: int) -> None:
    body = json.dumps({"query": "技术改造补助"}).encode()
    with socket.create_connection(("127.0.0.1", server)) as conn:  # in time: served
        conn.sendall(
            b"POST /search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        assert read_response(conn, timeout_s=5).startswith(b"HTTP/1.1 200 ")
    with socket.create_connection(("127.0.0.1", server)) as conn:
        started = time.monotonic()
        conn.sendall(
            b"POST /search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{"
        )
        for byte in b'"query": "':  # a byte every 0.1 s: each arrives in time, the whole body never does
            if select.select([conn], [], [], 0.1)[0]:
                break  # the answer is in: sending on could only earn a reset from the closed server
            conn.sendall(bytes([byte]))
        response = read_response(conn, timeout_s=5)
    elapsed = time.monotonic() - started
    assert response.startswith(b"HTTP/1.1 408 "), response
    assert b"connection: close" in response.lower()
    assert json.loads(response.split(b"\r\n\r\n", 1)[1])["detail"].startswith(
        "the request body did not arrive"
    )
    assert 0.5 <= elapsed < 4  # QA_REQUEST_READ_TIMEOUT_S is 0.5 here; read_response saw the close


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_head_is_200_without_a_body(server: int, client, path: str) -> None:
    with socket.create_connection(("127.0.0.1", server)) as conn:
        conn.sendall(f"HEAD {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        response = read_response(conn, timeout_s=5)
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 "), head
    assert body == b""
    assert client.head(path).status_code == 200  # and in process


def test_shutdown_does_not_wait_for_a_stalled_request_past_its_bound(app, settings) -> None:
    # A request whose body never comes (read timeout far away) would hold an unbounded shutdown forever.
    patient = settings.model_copy(update={"request_read_timeout_s": 60.0, "shutdown_timeout_s": 1})
    stalled_app = create_app(patient, app.state.services.search, app.state.services.answer)
    with (
        serving(stalled_app, patient) as running,
        socket.create_connection(("127.0.0.1", running.port)) as conn,
    ):
        conn.sendall(b"POST /search HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        time.sleep(0.3)  # the request is in the app, waiting for its body
        took = running.stop()
        assert not running.thread.is_alive()
    assert 1 <= took < 4  # QA_SHUTDOWN_TIMEOUT_S is 1: it waited for the request that long, no longer


def test_qa_serve_runs_uvicorn_with_the_limits(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import uvicorn as uvicorn_module

    from qa_service import cli
    from qa_service.core import config

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn_module, "run", lambda app, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("QA_MAX_CONNECTIONS", "50")
    monkeypatch.setenv("QA_SHUTDOWN_TIMEOUT_S", "7")
    config.get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, ["serve", "--port", "8123"])
    finally:
        config.get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    (kwargs,) = calls
    assert kwargs["port"] == 8123
    assert kwargs["limit_concurrency"] == 50
    assert kwargs["timeout_graceful_shutdown"] == 7
    assert kwargs["timeout_keep_alive"] == 5
    assert kwargs["h11_max_incomplete_event_size"] == 16 * 1024
