"""HTTP contract of /search, /documents and /health, over a small index built with a test embedder."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa_service.api.main import create_app
from qa_service.core.config import Settings
from qa_service.services.indexing import build_index
from qa_service.services.search import SearchService
from tests.fakes import HashingEmbedder
from tests.retrieval.test_store import POLICY


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "policy.txt").write_text(POLICY, encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index" / "default", max_query_chars=50, chunk_max_chars=40)
    embedder = HashingEmbedder()
    build_index([corpus], settings, embedder)
    service = SearchService.from_settings(settings, embedder)
    with TestClient(create_app(settings, service)) as test_client:
        yield test_client


def test_search_returns_ranked_clauses_with_document_metadata(client: TestClient) -> None:
    response = client.post("/search", json={"query": "技术改造最高补助", "top_k": 2})
    assert response.status_code == 200
    results = response.json()["results"]
    assert 1 <= len(results) <= 2
    best = results[0]
    assert best["clause_ref"] == "测政规〔2025〕1号 一、(一)"
    assert best["text"].startswith("(一)技术改造")
    assert best["document"]["number"] == "测政规〔2025〕1号"
    assert set(best) == {"chunk_id", "text", "clause_path", "clause_ref", "score", "document"}
    assert set(best["document"]) == {"id", "title", "number", "issuer", "date", "source"}
    assert [result["score"] for result in results] == sorted((r["score"] for r in results), reverse=True)


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_is_422_with_a_message(client: TestClient, query: str) -> None:
    response = client.post("/search", json={"query": query})
    assert response.status_code == 422
    assert response.json()["detail"] == "query is empty"


def test_over_long_query_is_422(client: TestClient) -> None:
    response = client.post("/search", json={"query": "补助" * 40})
    assert response.status_code == 422
    assert "limit is 50" in response.json()["detail"]


def test_bad_top_k_and_missing_query_are_422(client: TestClient) -> None:
    assert client.post("/search", json={"query": "补助", "top_k": 0}).status_code == 422
    assert client.post("/search", json={"top_k": 3}).status_code == 422


def test_unknown_doc_ids_are_404(client: TestClient) -> None:
    response = client.post("/search", json={"query": "补助", "doc_ids": ["no-such-doc"]})
    assert response.status_code == 404
    assert response.json()["doc_ids"] == ["no-such-doc"]


def test_doc_filter_restricts_results(client: TestClient) -> None:
    doc_id = client.get("/documents").json()["documents"][0]["id"]
    results = client.post("/search", json={"query": "补助", "doc_ids": [doc_id]}).json()["results"]
    assert results and all(result["document"]["id"] == doc_id for result in results)


def test_documents_list_search_and_detail(client: TestClient) -> None:
    documents = client.get("/documents").json()["documents"]
    assert [document["number"] for document in documents] == ["测政规〔2025〕1号"]
    assert client.get("/documents", params={"q": "测试措施"}).json()["documents"] == documents
    assert client.get("/documents", params={"q": "不存在"}).json()["documents"] == []
    detail = client.get(f"/documents/{documents[0]['id']}").json()
    assert detail["short_title"] == "测试措施" and detail["chunks"] >= 2
    assert client.get("/documents/nope").status_code == 404


def test_health_reports_the_index(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["index"]["embedding_model"] == "hashing-test"


def test_without_an_index_health_and_search_say_why(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "missing", llm_preload=False, index_watch_interval_s=0)
    with TestClient(create_app(settings)) as test_client:
        health = test_client.get("/health")
        assert health.status_code == 200  # liveness: the process serves; /ready says it cannot answer
        assert health.json()["status"] == "degraded"
        assert "qa index build" in health.json()["detail"]
        assert test_client.post("/search", json={"query": "补助"}).status_code == 503
