"""`qa eval run --url`: the same evaluation against a running server, through /ask and /search, with
results in the in-process pipeline's shapes so the runner scores both alike."""

from __future__ import annotations

from typing import Any

import httpx

from qa_service.answering.refusal import EvidenceCheck
from qa_service.core.errors import RemoteError
from qa_service.ingest.models import Chunk, DocumentMeta
from qa_service.retrieval.retriever import SearchHit
from qa_service.services.answer import AnswerResult, AskRequest, Citation

TIMEOUT_S = 300.0


def _hit(data: dict[str, Any]) -> SearchHit:
    document = data["document"]
    meta = DocumentMeta(
        doc_id=document["id"],
        title=document["title"],
        number=document.get("number"),
        issuer=document.get("issuer"),
        date=document.get("date"),
        source=document.get("source", ""),
        short_title=document["title"],
    )
    chunk = Chunk(data["chunk_id"], meta.doc_id, data["text"], data["clause_path"], data["clause_ref"])
    return SearchHit(chunk, meta, data["score"], None, None)


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        response = client.post(path, json=body)
    except httpx.HTTPError as error:
        raise RemoteError(f"{client.base_url}{path}: {error}") from error
    if response.status_code != 200:
        raise RemoteError(f"{client.base_url}{path} answered {response.status_code}: {response.text[:300]}")
    return response.json()


class RemoteSearch:
    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def search(self, query: str, *, top_k: int | None = None, **_: object) -> list[SearchHit]:
        body = _post(self._client, "/search", {"query": query, "top_k": top_k or 5})
        return [_hit(result) for result in body["results"]]


class RemoteAnswerService:
    """Asks a running server; results come back in the shape the in-process pipeline returns."""

    def __init__(self, url: str) -> None:
        self._client = httpx.Client(base_url=url.rstrip("/"), timeout=TIMEOUT_S)
        self.search = RemoteSearch(self._client)

    def ask(self, request: AskRequest) -> AnswerResult:
        body: dict[str, Any] = {"question": request.question}
        if request.mode:
            body["mode"] = request.mode
        if request.top_k:
            body["top_k"] = request.top_k
        if request.history:
            body["history"] = [{"role": turn.role, "content": turn.content} for turn in request.history]
        data = _post(self._client, "/ask", body)
        citations = [Citation(c["marker"], _hit(c), c["quote"]) for c in data["citations"]]
        return AnswerResult(
            answer=data["answer"],
            refused=data["refused"],
            mode_used=data["mode_used"],
            citations=citations,
            related=[_hit(hit) for hit in data["related"]],
            query=data["query"],
            lang=data["lang"],
            model=data["model"],
            timings_ms=data["timings_ms"],
            evidence=EvidenceCheck(data["refused"], "", 0.0, None),
        )


__all__ = ["RemoteAnswerService", "RemoteError", "RemoteSearch"]
