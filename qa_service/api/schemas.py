"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from qa_service.generation.followup import Turn
from qa_service.ingest.models import DocumentMeta
from qa_service.retrieval.retriever import SearchHit
from qa_service.services import answer


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


class HistoryTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=8000)


class AskRequest(BaseModel):
    question: str = Field(description="The question, Chinese or English.")
    top_k: int | None = Field(default=None, ge=1, le=20, description="Clauses retrieved (default 5).")
    doc_ids: list[str] | None = Field(default=None, description="Only answer from these documents.")
    mode: Literal["auto", "generative", "extractive"] | None = Field(
        default=None, description="auto: generate, verify, fall back to quotes (default)."
    )
    history: list[HistoryTurn] = Field(default_factory=list, max_length=100)

    def to_service(self) -> answer.AskRequest:
        return answer.AskRequest(
            question=self.question,
            top_k=self.top_k,
            doc_ids=self.doc_ids,
            mode=self.mode,
            history=[Turn(turn.role, turn.content) for turn in self.history],
        )


class CitationOut(SearchResult):
    marker: int
    quote: str = Field(description="The exact span of `text` that supports the answer.")

    @classmethod
    def from_citation(cls, citation: answer.Citation) -> CitationOut:
        base = SearchResult.from_hit(citation.hit)
        return cls(marker=citation.marker, quote=citation.quote, **base.model_dump())


class AskResponse(BaseModel):
    answer: str
    refused: bool
    mode_used: Literal["generative", "extractive", "refusal"]
    citations: list[CitationOut]
    related: list[SearchResult] = Field(description="The clauses retrieved; for a refusal, nearest only.")
    query: str = Field(description="The standalone question retrieval used (follow-ups rewritten).")
    lang: Literal["zh", "en"]
    model: str = Field(description="The LLM called for this answer; empty when none was.")
    timings_ms: dict[str, float]

    @classmethod
    def from_result(cls, result: answer.AnswerResult) -> AskResponse:
        return cls(
            answer=result.answer,
            refused=result.refused,
            mode_used=result.mode_used,
            citations=[CitationOut.from_citation(citation) for citation in result.citations],
            related=[SearchResult.from_hit(hit) for hit in result.related],
            query=result.query,
            lang=result.lang,
            model=result.model,
            timings_ms={key: round(value, 1) for key, value in result.timings_ms.items()},
        )
