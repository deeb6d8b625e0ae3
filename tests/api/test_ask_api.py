"""/ask and /ask/stream end to end: the real seeds index, the real embedding model, the real default LLM."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from qa_service.api.main import create_app
from qa_service.generation.llm import LlamaCppGenerator
from qa_service.services.answer import AnswerService

pytestmark = pytest.mark.slow

QUESTION = "柳州市技改项目最高补助多少？"


@pytest.fixture(scope="module")
def client(seed_index_settings, seed_search_service):
    answer_service = AnswerService(
        seed_search_service, LlamaCppGenerator(seed_index_settings), seed_index_settings
    )
    with TestClient(create_app(seed_index_settings, seed_search_service, answer_service)) as test_client:
        yield test_client


def parse_sse(body: str) -> list[tuple[str, dict]]:
    events = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_ask_answers_with_verified_citations(client: TestClient) -> None:
    response = client.post("/ask", json={"question": QUESTION})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "answer",
        "refused",
        "mode_used",
        "citations",
        "related",
        "query",
        "lang",
        "model",
        "timings_ms",
    }
    assert not body["refused"] and body["mode_used"] in ("generative", "extractive")
    assert body["model"].endswith(".gguf")  # auto mode called the default model
    assert body["citations"]
    for citation in body["citations"]:
        assert f"[{citation['marker']}]" in body["answer"]
        assert citation["quote"] and citation["quote"] in citation["text"]
        assert set(citation["document"]) == {"id", "title", "number", "issuer", "date", "source"}
    assert set(body["timings_ms"]) == {"retrieve", "generate", "total"}


def test_stream_events_arrive_in_order_with_the_real_model(client: TestClient) -> None:
    response = client.post("/ask/stream", json={"question": QUESTION, "mode": "generative"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    names = [name for name, _ in events]
    assert names[-2:] == ["citations", "done"]
    assert names.count("citations") == 1 and names.count("done") == 1
    assert names[0] in ("token", "replace") and set(names[:-2]) <= {"token", "replace"}
    done = events[-1][1]
    shown = ""
    for name, data in events[:-2]:
        shown = data["text"] if name == "replace" else shown + data["text"]
    assert shown == done["answer"]
    assert events[-2][1]["citations"] == done["citations"]


def test_refusal_over_http(client: TestClient) -> None:
    body = client.post("/ask", json={"question": "今天天气怎么样？"}).json()
    assert body["refused"] and body["mode_used"] == "refusal"
    assert body["citations"] == [] and body["related"] and body["model"] == ""


def test_bad_requests_fail_before_streaming(client: TestClient) -> None:
    assert client.post("/ask", json={"question": "  "}).status_code == 422
    assert client.post("/ask/stream", json={"question": ""}).status_code == 422
    assert client.post("/ask", json={"question": QUESTION, "mode": "poetry"}).status_code == 422
    assert (
        client.post(
            "/ask", json={"question": QUESTION, "history": [{"role": "x", "content": "y"}]}
        ).status_code
        == 422
    )
    missing = client.post("/ask/stream", json={"question": QUESTION, "doc_ids": ["nope"]})
    assert missing.status_code == 404 and missing.json()["doc_ids"] == ["nope"]


def test_generative_mode_without_a_model_is_503_and_auto_still_answers(
    tmp_path, seed_index_settings, seed_search_service
) -> None:
    settings = seed_index_settings.model_copy(update={"llm_model_path": str(tmp_path / "missing.gguf")})
    service = AnswerService(seed_search_service, LlamaCppGenerator(settings), settings)
    with TestClient(create_app(settings, seed_search_service, service)) as no_model:
        response = no_model.post("/ask/stream", json={"question": QUESTION, "mode": "generative"})
        assert response.status_code == 503 and "not found" in response.json()["detail"]
        body = no_model.post("/ask", json={"question": QUESTION}).json()
        assert body["mode_used"] == "extractive" and body["model"] == "" and body["citations"]
