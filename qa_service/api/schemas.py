"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from qa_service.ingest.models import DocumentMeta
from qa_service.retrieval.retriever import SearchHit


class SearchRequest(BaseModel):
    query: str = Field(description="The question or keywords, Chinese or English.")
    top_k: int = Field(default=5, ge=1, le=50)
    doc_ids: list[str] | None = Field(default=None, description="Only search these documents.")


class DocumentOut(BaseModel):
    id: str
    title: str
    number: str | None
    issuer: str | None
    date: str | None
    source: str

    @classmethod
    def from_meta(cls, meta: DocumentMeta) -> DocumentOut:
        return cls(
            id=meta.doc_id,
            title=meta.title,
            number=meta.number,
            issuer=meta.issuer,
            date=meta.date,
            source=meta.source,
        )


class DocumentDetail(DocumentOut):
    short_title: str
    chunks: int


class SearchResult(BaseModel):
    chunk_id: str
    text: str
    clause_path: list[str]
    clause_ref: str
    score: float
    document: DocumentOut

    @classmethod
    def from_hit(cls, hit: SearchHit) -> SearchResult:
        return cls(
            chunk_id=hit.chunk.chunk_id,
            text=hit.chunk.text,
            clause_path=hit.chunk.clause_path,
            clause_ref=hit.chunk.clause_ref,
            score=hit.score,
            document=DocumentOut.from_meta(hit.document),
        )


class SearchResponse(BaseModel):
    results: list[SearchResult]


class DocumentsResponse(BaseModel):
    documents: list[DocumentOut]


class HealthResponse(BaseModel):
    status: str  # "ok" or "degraded"
    index: dict | None = None
    detail: str | None = None
