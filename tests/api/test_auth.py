"""API keys per route and scope, the bind-address rule, the rate limit and CORS, over a small index."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa_service.api.main import create_app
from qa_service.api.security import TokenBucketLimiter, auth_mode, is_loopback
from qa_service.core.config import Settings
from qa_service.services.indexing import build_index
from qa_service.services.keys import KeyStore
from qa_service.services.search import SearchService
from tests.fakes import HashingEmbedder
from tests.retrieval.test_store import POLICY

QUESTION = {"question": "技术改造最高补助多少？", "mode": "extractive"}
# (method, path, json body) of every route that needs the ask scope.
ASK_ROUTES: list[tuple[str, str, dict | None]] = [
    ("POST", "/ask", QUESTION),
    ("POST", "/ask/stream", QUESTION),
    ("POST", "/search", {"query": "技术改造"}),
    ("GET", "/documents", None),
]
OPEN_ROUTES = ["/health", "/ready", "/", "/static/app.js"]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / "policy.txt").write_text(POLICY, encoding="utf-8")
    target = tmp_path_factory.mktemp("index") / "default"
    build_index([corpus], Settings(index_dir=target, chunk_max_chars=40), HashingEmbedder())
    return target




@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    return KeyStore(tmp_path / "keys.sqlite3")


@pytest.fixture
def serve(index_dir: Path) -> Iterator[Callable[[Settings], TestClient]]:
    clients: list[TestClient] = []

    def start(settings: Settings) -> TestClient:
        service = SearchService.from_settings(settings, HashingEmbedder())
        client = TestClient(create_app(settings, service))
        client.__enter__()
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


def call(client: TestClient, method: str, path: str, body: dict | None, headers: dict[str, str] | None = None):
    return client.request(method, path, json=body, headers=headers or {})


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# --- which addresses need keys --------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_addresses(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "10.0.0.5", "example.org", "myhost"])
def test_reachable_addresses(host: str) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize(
    ("host", "setting", "mode"),
    [
        ("0.0.0.0", "auto", "required"),
        ("127.0.0.1", "auto", "optional"),
        ("127.0.0.1", "always", "required"),
        ("0.0.0.0", "never", "off"),
    ],
)
def test_auth_mode_follows_the_bind_address(host: str, setting: str, mode: str) -> None:
    assert auth_mode(Settings(host=host, auth_required=setting)) == mode  # type: ignore[arg-type]


# --- keys required (a reachable address) ----------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), ASK_ROUTES)
def test_reachable_server_refuses_requests_without_a_valid_key(
    serve, make_settings, store: KeyStore, method: str, path: str, body: dict | None
) -> None:
    revoked = store.create("ask")
    store.revoke(revoked.key.id)
    client = serve(make_settings(host="0.0.0.0"))
    for headers in ({}, bearer("qa_not-a-real-key-at-all-0000000000000000"), bearer(revoked.secret)):
        response = call(client, method, path, body, headers)
        assert response.status_code == 401, (path, headers)
        assert response.headers["www-authenticate"] == "Bearer"
        assert "key" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "body"), ASK_ROUTES)
@pytest.mark.parametrize("scope", ["ask", "admin"])
def test_ask_and_admin_keys_reach_ask_routes(
    serve, make_settings, store: KeyStore, method: str, path: str, body: dict | None, scope: str
) -> None:
    secret = store.create(scope).secret  # type: ignore[arg-type]
    client = serve(make_settings(host="0.0.0.0"))
    assert call(client, method, path, body, bearer(secret)).status_code == 200
    assert call(client, method, path, body, {"X-API-Key": secret}).status_code == 200


def test_admin_route_needs_the_admin_scope(serve, make_settings, store: KeyStore) -> None:
    ask_key = store.create("ask").secret
    admin_key = store.create("admin").secret
    client = serve(make_settings(host="0.0.0.0"))
    assert client.post("/admin/reload").status_code == 401
    forbidden = client.post("/admin/reload", headers=bearer(ask_key))
    assert forbidden.status_code == 403 and "admin" in forbidden.json()["detail"]
    allowed = client.post("/admin/reload", headers={"X-API-Key": admin_key})
    assert allowed.status_code == 200
    assert allowed.json()["reloaded"] is False


@pytest.mark.parametrize("path", OPEN_ROUTES)
def test_health_ready_and_the_chat_page_stay_open(serve, make_settings, store: KeyStore, path: str) -> None:
    store.create("ask")
    client = serve(make_settings(host="0.0.0.0"))
    assert client.get(path).status_code in (200, 503)  # /ready may say what is missing; never 401


def test_revoking_takes_effect_on_the_next_request(serve, make_settings, store: KeyStore) -> None:
    created = store.create("ask")
    client = serve(make_settings(host="0.0.0.0"))
    assert client.get("/documents", headers=bearer(created.secret)).status_code == 200
    store.revoke(created.key.id)
    assert client.get("/documents", headers=bearer(created.secret)).status_code == 401


def test_always_requires_keys_on_loopback_too(serve, make_settings) -> None:
    client = serve(make_settings(host="127.0.0.1", auth_required="always"))
    assert client.get("/documents").status_code == 401


# --- keys optional (loopback) or off ------------------------------------------------------------------


def test_loopback_server_answers_without_a_key_but_checks_a_key_it_is_sent(
    serve, make_settings, store: KeyStore
) -> None:
    ask_key = store.create("ask").secret
    client = serve(make_settings(host="127.0.0.1"))
    for method, path, body in ASK_ROUTES:
        assert call(client, method, path, body).status_code == 200, path
    assert client.post("/admin/reload").status_code == 200
    assert client.get("/documents", headers=bearer("qa_wrong-key-000000000000000000000000")).status_code == 401
    assert client.get("/documents", headers=bearer(ask_key)).status_code == 200
    assert client.post("/admin/reload", headers=bearer(ask_key)).status_code == 403


def test_never_reads_no_key_at_all(serve, make_settings) -> None:
    client = serve(make_settings(host="0.0.0.0", auth_required="never"))
    assert client.get("/documents").status_code == 200
    # e.g. a proxy's own bearer token passed along: not this service's business
    assert client.get("/documents", headers=bearer("a-proxy-jwt")).status_code == 200
    assert client.post("/admin/reload").status_code == 200


def test_keys_never_appear_in_the_logs(
    serve, make_settings, store: KeyStore, caplog: pytest.LogCaptureFixture
) -> None:
    good = store.create("ask").secret
    bad = "qa_" + "Z" * 43
    client = serve(make_settings(host="0.0.0.0"))
    with caplog.at_level(logging.DEBUG):
        client.get("/documents", headers=bearer(good))
        client.get("/documents", headers=bearer(bad))
        client.post("/admin/reload", headers=bearer(good))
    assert any("refused" in record.getMessage() for record in caplog.records)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (good, bad):
        assert secret not in logged and secret[3:] not in logged and secret[3:20] not in logged


def test_openapi_documents_the_keys_on_protected_routes_only(serve, make_settings) -> None:
    spec = serve(make_settings()).get("/openapi.json").json()
    assert set(spec["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyHeader"}
    assert "401" in spec["paths"]["/search"]["post"]["responses"]
    assert spec["paths"]["/admin/reload"]["post"]["security"]
    assert "security" not in spec["paths"]["/health"]["get"]


# --- rate limit -----------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after_per_key(serve, make_settings, store: KeyStore) -> None:
    first, second = store.create("ask").secret, store.create("ask").secret
    client = serve(make_settings(host="0.0.0.0", rate_limit_per_minute=2))
    assert [client.get("/documents", headers=bearer(first)).status_code for _ in range(2)] == [200, 200]
    limited = client.get("/documents", headers=bearer(first))
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 30  # one request refills in 60 / 2 s
    assert "2 requests per minute" in limited.json()["detail"]
    assert client.get("/documents", headers=bearer(second)).status_code == 200  # its own bucket
    assert client.get("/health").status_code == 200  # open routes are not counted


def test_rate_limit_without_keys_is_per_client_address(serve, make_settings) -> None:
    client = serve(make_settings(host="127.0.0.1", rate_limit_per_minute=1))
    assert client.post("/search", json={"query": "补助"}).status_code == 200
    assert client.get("/documents").status_code == 429


def test_rate_limit_is_off_by_default(serve, make_settings) -> None:
    client = serve(make_settings())
    assert all(client.get("/documents").status_code == 200 for _ in range(30))


def test_token_bucket_refills_over_time() -> None:
    now = [0.0]
    limiter = TokenBucketLimiter(60, clock=lambda: now[0])  # one a second, bursts of 60
    assert all(limiter.take("a") == 0.0 for _ in range(60))
    assert limiter.take("a") == pytest.approx(1.0)
    now[0] += 0.5
    assert limiter.take("a") == pytest.approx(0.5)
    now[0] += 0.5
    assert limiter.take("a") == 0.0
    assert limiter.take("b") == 0.0


def test_token_bucket_forgets_idle_callers() -> None:
    now = [0.0]
    limiter = TokenBucketLimiter(60, clock=lambda: now[0])
    limiter.MAX_CALLERS = 10  # type: ignore[misc]
    for caller in range(10):
        limiter.take(str(caller))
    now[0] += 5.0  # every bucket full again
    limiter.take("new")
    assert len(limiter._buckets) == 1


# --- CORS -----------------------------------------------------------------------------------------

ORIGIN = "https://portal.example.gov.cn"


def test_no_cors_headers_by_default(serve, make_settings) -> None:
    client = serve(make_settings())
    response = client.get("/documents", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/search", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_headers_for_configured_origins(serve, make_settings, store: KeyStore) -> None:
    secret = store.create("ask").secret
    client = serve(make_settings(host="0.0.0.0", cors_origins=[ORIGIN]))
    preflight = client.options(
        "/search",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200  # a preflight carries no key and needs none
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    response = client.post("/search", json={"query": "补助"}, headers={"Origin": ORIGIN, **bearer(secret)})
    assert response.headers["access-control-allow-origin"] == ORIGIN
    refused = client.post("/search", json={"query": "补助"}, headers={"Origin": ORIGIN})
    assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == ORIGIN
    other = client.get("/health", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers


def test_cors_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_CORS_ORIGINS", "https://a.example, https://b.example")
    assert Settings().cors_origins == ["https://a.example", "https://b.example"]
    monkeypatch.setenv("QA_CORS_ORIGINS", '["https://a.example"]')
    assert Settings().cors_origins == ["https://a.example"]
