"""Hot reload on a running server: a newly published index is picked up by the background watcher
and by POST /admin/reload, a broken one is refused while the old one keeps serving, and searches
running during the swap all succeed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from qa_service.api.main import create_app
from qa_service.core.config import Settings
from qa_service.services.indexing import build_index
from qa_service.services.search import SearchService
from tests.fakes import HashingEmbedder
from tests.retrieval.test_store import POLICY

SECOND_POLICY = (
    "测试省关于印发《第二措施》的通知\n测政规〔2025〕2号 各单位: 现印发。\n"
    "一、支持人才\n(一)人才引进。每人补助20万元。\n(二)技能培训。每人补助3000元。\n"
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "policy.txt").write_text(POLICY, encoding="utf-8")
    return folder


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index" / "default"  # each test publishes (and republishes) its own


@contextmanager
def running(settings: Settings) -> Iterator[httpx.Client]:
    """A real uvicorn server on a free loopback port, in a thread of this process."""
    service = SearchService.from_settings(settings, HashingEmbedder())
    config = uvicorn.Config(create_app(settings, service), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def publish(corpus: Path, settings: Settings, *extra_texts: str) -> str:
    """Builds the corpus (plus extra documents) into the settings' index folder; its version."""
    for number, text in enumerate(extra_texts):
        (corpus / f"extra_{number}.txt").write_text(text, encoding="utf-8")
    location = build_index([corpus], settings, HashingEmbedder()).location
    return location.name.split("@", 1)[1]


def index_on(client: httpx.Client) -> dict:
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    return health.json()["index"]


def wait_for_version(client: httpx.Client, version: str, timeout_s: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while (index := index_on(client))["version"] != version:
        assert time.monotonic() < deadline, f"still on {index['version']}, not {version}"
        time.sleep(0.05)
    return index


def test_watcher_switches_to_a_newly_published_index(corpus: Path, make_settings) -> None:
    settings = make_settings(index_watch_interval_s=0.1)
    first = publish(corpus, settings)
    with running(settings) as client:
        assert index_on(client)["version"] == first
        second = publish(corpus, settings, SECOND_POLICY)
        index = wait_for_version(client, second)
        assert index["documents"] == 2
        hits = client.post("/search", json={"query": "人才引进补助"}).json()["results"]
        assert hits[0]["document"]["number"] == "测政规〔2025〕2号"


def test_admin_reload_switches_on_request(corpus: Path, make_settings) -> None:
    settings = make_settings()  # no watcher: only the route reloads
    first = publish(corpus, settings)
    with running(settings) as client:
        second = publish(corpus, settings, SECOND_POLICY)
        time.sleep(0.3)
        assert index_on(client)["version"] == first
        response = client.post("/admin/reload")
        assert response.status_code == 200
        body = response.json()
        assert body["reloaded"] is True
        assert body["index"]["version"] == second and body["index"]["documents"] == 2
        assert body["index"]["chunks"] >= 4
        assert index_on(client)["version"] == second
        assert client.post("/admin/reload").json()["reloaded"] is False
        forced = client.post("/admin/reload", params={"force": "true"}).json()
        assert forced["reloaded"] is True and forced["index"]["version"] == second


def test_a_broken_new_index_is_refused_and_the_old_one_keeps_serving(corpus: Path, make_settings) -> None:
    settings = make_settings()
    first = publish(corpus, settings)
    with running(settings) as client:
        publish(corpus, settings, SECOND_POLICY)
        (settings.index_dir.resolve() / "chunks.jsonl").write_text("{not json\n", encoding="utf-8")
        response = client.post("/admin/reload")
        assert response.status_code == 503
        assert "rebuild" in response.json()["detail"]
        assert index_on(client)["version"] == first
        assert client.post("/search", json={"query": "技术改造"}).status_code == 200


def test_searches_during_swaps_all_succeed(corpus: Path, make_settings) -> None:
    # The swap is under test, not the ranking: without the cross-encoder's ~0.3 s a search on a busy CI
    # machine, enough searches land during the swaps.
    settings = make_settings(index_watch_interval_s=0.05, cross_encoder="none")
    publish(corpus, settings)
    statuses: list[int] = []
    failures: list[str] = []
    stop = threading.Event()

    def search_until_stopped(client: httpx.Client) -> None:
        while not stop.is_set():
            try:
                response = client.post("/search", json={"query": "补助", "top_k": 3})
                statuses.append(response.status_code)
                if response.status_code != 200 or not response.json()["results"]:
                    failures.append(response.text)
            except httpx.HTTPError as error:  # a dropped connection counts as a failure
                failures.append(repr(error))

    with running(settings) as client:
        workers = [threading.Thread(target=search_until_stopped, args=(client,)) for _ in range(4)]
        for worker in workers:
            worker.start()
        try:
            latest = ""
            for _ in range(3):
                latest = publish(corpus, settings, SECOND_POLICY)
                assert client.post("/admin/reload", params={"force": "true"}).status_code == 200
                time.sleep(0.2)  # the watcher gets its turn too
            wait_for_version(client, latest)
            time.sleep(0.2)
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=30)
    assert not failures, failures[:3]
    assert len(statuses) >= 20 and set(statuses) == {200}
