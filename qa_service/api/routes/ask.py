"""POST /ask (one JSON answer) and POST /ask/stream (Server-Sent Events)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator, Iterator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from qa_service.api.compute import compute, compute_each
from qa_service.api.deps import AnswerServiceDep, AskAccess
from qa_service.api.schemas import AskRequest, AskResponse, CitationOut, SearchResult, error_responses
from qa_service.api.security import AUTH_RESPONSES
from qa_service.core.errors import QAError
from qa_service.generation.admission import Cancelled
from qa_service.services.answer import AnswerEvent, AnswerResult, AnswerService

_DISCONNECT_POLL_S = 0.25

router = APIRouter(tags=["ask"], dependencies=[AskAccess], responses=AUTH_RESPONSES)
logger = logging.getLogger(__name__)


@router.post(
    "/ask", response_model=AskResponse, responses=error_responses(400, 401, 403, 404, 408, 413, 422, 429, 503)
)
async def ask(request: AskRequest, service: AnswerServiceDep, http: Request) -> JSONResponse:
    """A short answer whose every sentence cites a clause it was verified against, or a refusal."""
    cancel = threading.Event()
    task = asyncio.ensure_future(compute(http, _answer, service, request, cancel))
    try:
        # A client that hangs up must not keep the model busy for the ones still waiting.
        while not task.done():
            await asyncio.wait({task}, timeout=_DISCONNECT_POLL_S)
            if not task.done() and await http.is_disconnected():
                cancel.set()
        return task.result()
    finally:
        cancel.set()  # also when this handler itself is cancelled (server shutting down)


def _answer(service: AnswerService, request: AskRequest, cancel: threading.Event) -> JSONResponse:
    result: AnswerResult = service.ask(request.to_service(cancel))
    return JSONResponse(AskResponse.from_result(result).model_dump(mode="json"))


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
    except Cancelled:
        return
    except QAError as error:
        yield _sse("error", {"detail": str(error), "status": error.status_code})
    except Exception:  # the response has started: the client can only learn of a failure from an event
        logger.exception("answer stream failed")
        yield _sse("error", {"detail": "internal error while answering", "status": 500})


async def _watch_disconnect(http: Request, cancel: threading.Event) -> None:
    # The server only notices a gone client when a write fails, and a sentence can take seconds to
    # generate before anything is written: poll the connection instead.
    while not cancel.is_set():
        if await http.is_disconnected():
            cancel.set()
            return
        await asyncio.sleep(_DISCONNECT_POLL_S)


async def _until_done(
    events: Iterator[AnswerEvent], http: Request, cancel: threading.Event
) -> AsyncIterator[str]:
    """Events produced in a worker thread. When the client disconnects, generation is told to stop
    and the answer's generator is closed, which frees the model's slot at once (it would otherwise
    wait for the garbage collector)."""
    watcher = asyncio.ensure_future(_watch_disconnect(http, cancel))
    try:
        async for chunk in compute_each(http, _stream_events(events)):
            yield chunk
    finally:
        cancel.set()
        watcher.cancel()
        with contextlib.suppress(ValueError):  # still running in its thread: it sees `cancel` instead
            events.close()  # type: ignore[attr-defined]


@router.post(
    "/ask/stream",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "token… citations done"},
        **error_responses(400, 401, 403, 404, 408, 413, 422, 429, 503),
    },
)
async def ask_stream(request: AskRequest, service: AnswerServiceDep, http: Request) -> StreamingResponse:
    """Server-Sent Events: `token` {text} as verified sentences are ready, `replace` {text} when the
    answer was replaced by quotes, one `citations` event, then `done` with the full /ask response;
    `error` {detail, status} if it fails after starting. Bad requests fail before the stream (422/404)."""
    cancel = threading.Event()
    # Validates and retrieves now, so errors (and a full LLM queue in generative mode) get a status.
    events = await compute(http, service.stream, request.to_service(cancel))
    return StreamingResponse(
        _until_done(events, http, cancel),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
