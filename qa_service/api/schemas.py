"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import threading
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le
from pydantic import BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from qa_service.answering.followup import Turn
from qa_service.ingest.models import DocumentMeta
from qa_service.retrieval.retriever import SearchHit
from qa_service.services import answer


def _valid_unicode(text: Any) -> Any:
    # JSON's \ud800 escapes can spell lone surrogates, which are not text: they cannot be encoded
    # as UTF-8 (for the tokenizer, the logs or the response), so they are refused here, with a 422.
    # Before pydantic's own checks, whose length check refuses them too but says less.
    if not isinstance(text, str):
        return text  # pydantic's str check says what it is instead
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise PydanticCustomError(
            "lone_surrogate",
            "contains a lone surrogate ({char}) at position {position}: not valid Unicode text",
            {"char": f"\\u{ord(text[error.start]):04x}", "position": error.start},
        ) from None
    return text


# Every string the API reads from a body.
Text = Annotated[str, BeforeValidator(_valid_unicode)]
# The service trims a question or query and refuses a blank one (422 "query is empty") or one over
# QA_MAX_QUERY_CHARS. The schema states the first, so that it allows nothing the service refuses; the
# second is a setting, so only the description states it. (The check stays the service's: the CLI and
# the evaluation go through it too, and its message is the one clients already get.)
_QUERY_SCHEMA = {"minLength": 1, "pattern": r"\S"}


def _count(value: Any) -> Any:
    # "5" and true are not counts (pydantic's lax mode would read them as 5 and 1); 5.0 is, as JSON
    # Schema's "integer" says. 5.5, NaN and Infinity (Python's JSON parser reads the last two, and
    # 1e400 as Infinity) are then refused by pydantic's own integer check.
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# Goes after Ge/Le in Annotated[int, …]: placed before them, it hides the integer schema from them and
# /openapi.json loses its minimum/maximum.
Count = BeforeValidator(_count)


class SearchRequest(BaseModel):
    query: Text = Field(
        description="The question or keywords, Chinese or English: not blank, at most "
        "QA_MAX_QUERY_CHARS (1000) characters once trimmed.",
        json_schema_extra=_QUERY_SCHEMA,
    )
    top_k: Annotated[int, Ge(1), Le(50), Count] = 5
    doc_ids: list[Text] | None = Field(default=None, description="Only search these documents.")


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
    status: Literal["ok", "degraded"]
    index: dict | None = None
    detail: str | None = None


class ReadyResponse(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: dict[str, str] = Field(description='What answering needs → "ok" or why it is not.')


class HistoryTurn(BaseModel):
    role: Literal["user", "assistant"]
    # The service refuses a turn over 4 × QA_MAX_QUERY_CHARS (4000 by default): the schema says the same.
    content: Text = Field(max_length=4000)


class AskRequest(BaseModel):
    question: Text = Field(
        description="The question, Chinese or English: not blank, at most QA_MAX_QUERY_CHARS (1000) "
        "characters once trimmed.",
        json_schema_extra=_QUERY_SCHEMA,
    )
    top_k: Annotated[int, Ge(1), Le(20), Count] | None = Field(
        default=None, description="Clauses retrieved (default 5)."
    )
    doc_ids: list[Text] | None = Field(default=None, description="Only answer from these documents.")
    mode: Literal["auto", "generative", "extractive"] | None = Field(
        default=None, description="auto: generate, verify, fall back to quotes (default)."
    )
    history: list[HistoryTurn] = Field(default_factory=list, max_length=100)

    def to_service(self, cancel: threading.Event | None = None) -> answer.AskRequest:
        return answer.AskRequest(
            question=self.question,
            top_k=self.top_k,
            doc_ids=self.doc_ids,
            mode=self.mode,
            history=[Turn(turn.role, turn.content) for turn in self.history],
            cancel=cancel,
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
    mode_used: Literal["generative", "extractive", "extractive_busy", "refusal"] = Field(
        description="extractive_busy: auto mode answered with quotes at once because the LLM was busy."
    )
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


# --- errors -------------------------------------------------------------------------------------
# Every error body is {"detail": str, …}: the app's QAError handler writes them all (validation
# errors included, converted to InvalidRequestError), so one shape documents every status.


class ErrorResponse(BaseModel):
    detail: str = Field(description="What went wrong, in one line.")


class ValidationIssue(BaseModel):
    loc: list[str | int] = Field(description='Where: ["body", "top_k"], ["query", "q"]…')
    msg: str
    type: str


class ValidationErrorResponse(ErrorResponse):
    errors: list[ValidationIssue] = Field(
        default_factory=list,
        description="Each problem the schema check found (the first 20); absent when the service "
        "refused the value (e.g. a blank or over-long query).",
    )


class UnknownDocumentResponse(ErrorResponse):
    doc_ids: list[str] = Field(description="The ids that name no indexed document.")


_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
}

_ERRORS: dict[int, dict[str, Any]] = {
    400: {
        "model": ErrorResponse,
        "description": "The body could not be parsed (not UTF-8, nested too deep, a number too long).",
    },
    401: {
        "model": ErrorResponse,
        "description": "No API key, or an invalid or revoked one (see WWW-Authenticate).",
    },
    403: {"model": ErrorResponse, "description": "The API key's scope does not cover this route."},
    404: {"model": UnknownDocumentResponse, "description": "A document id names no indexed document."},
    408: {
        "model": ErrorResponse,
        "description": "The body did not arrive within QA_REQUEST_READ_TIMEOUT_S (15 s) of the headers.",
    },
    413: {"model": ErrorResponse, "description": "The body is over QA_MAX_BODY_BYTES (1 MiB)."},
    422: {
        "model": ValidationErrorResponse,
        "description": "The body or a parameter is invalid: `detail` says why in one line, `errors` "
        "where and why for each problem.",
    },
    429: {
        "model": ErrorResponse,
        "description": "Rate limit exceeded; retry after Retry-After seconds.",
        "headers": _RETRY_AFTER,
    },
    503: {
        "model": ErrorResponse,
        "description": "No index is loaded, or the LLM is unavailable or busy (then with Retry-After).",
        "headers": _RETRY_AFTER,
    },
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that can answer these error statuses."""
    return {status: _ERRORS[status] for status in statuses}
