"""POST /ask (one JSON answer) and POST /ask/stream (Server-Sent Events)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from qa_service.api.deps import AnswerServiceDep
from qa_service.api.schemas import AskRequest, AskResponse, CitationOut, SearchResult
from qa_service.services.answer import AnswerEvent, GenerationUnavailableError

router = APIRouter(tags=["ask"])
logger = logging.getLogger(__name__)


@router.post("/ask", response_model=AskResponse)
def ask(request: AskRequest, service: AnswerServiceDep) -> AskResponse:
    """A short answer whose every sentence cites a clause it was verified against, or a refusal."""
    return AskResponse.from_result(service.ask(request.to_service()))


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _event_payload(event: AnswerEvent) -> dict:
    if event.kind in ("token", "replace"):
        return {"text": event.text}
    assert event.result is not None
    if event.kind == "citations":
        return {
            "citations": [CitationOut.from_citation(c).model_dump() for c in event.result.citations],
            "related": [SearchResult.from_hit(hit).model_dump() for hit in event.result.related],
            "refused": event.result.refused,
        }
    return AskResponse.from_result(event.result).model_dump()


def _stream_events(events: Iterator[AnswerEvent]) -> Iterator[str]:
    try:
        for event in events:
            yield _sse(event.kind, _event_payload(event))
    except GenerationUnavailableError as error:
        yield _sse("error", {"detail": str(error), "status": 503})
    except Exception:  # the response has started: the client can only learn of a failure from an event
        logger.exception("answer stream failed")
        yield _sse("error", {"detail": "internal error while answering", "status": 500})


@router.post(
    "/ask/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "token… citations done"}},
)
def ask_stream(request: AskRequest, service: AnswerServiceDep) -> StreamingResponse:
    """Server-Sent Events: `token` {text} as verified sentences are ready, `replace` {text} when the
    answer was replaced by quotes, one `citations` event, then `done` with the full /ask response;
    `error` {detail, status} if it fails after starting. Bad requests fail before the stream (422/404)."""
    events = service.stream(request.to_service())  # validates and retrieves now, so errors get a status
    return StreamingResponse(
        _stream_events(events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
