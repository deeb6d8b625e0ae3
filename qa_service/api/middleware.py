"""Limits at the HTTP edge: how large a request body may be and how long it may take to arrive, and
the server's own limits.

Both body limits are enforced while the body streams in, in `receive`, so nothing is buffered to be
measured: a Content-Length over the limit is refused before a byte is read, a chunked body as soon
as the bytes counted pass it, and a body still incomplete at the deadline (a client that sends its
headers and then trickles the body: slow loris) gets 408. What ASGI cannot see (connections at
once, header size, idle keep-alive, shutdown) is uvicorn's to bound: `uvicorn_limits`.

FastAPI has a size limit of its own (`FastAPI(max_body_size=…)`), but it answers a declared
Content-Length over the limit in plain text, not with the API's JSON error body, and has no deadline.
"""

from __future__ import annotations

from typing import Any

import anyio
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa_service.core.config import Settings
from qa_service.core.errors import RequestTimeoutError, RequestTooLargeError

# The errors below are raised from `receive` while the route reads the body. As Starlette
# HTTPExceptions, FastAPI's body parsing passes them on unchanged (any other error there becomes a
# 400 "error parsing the body"); as QAErrors (first in their MRO), the app's one error handler
# answers them with the usual {"detail": str} body.


class BodyTooLargeError(RequestTooLargeError, HTTPException):
    def __init__(self, max_bytes: int) -> None:
        message = f"the request body is over the {max_bytes}-byte limit"
        RequestTooLargeError.__init__(self, message)
        self.detail = message  # what Starlette's own code reads from an HTTPException

    def __str__(self) -> str:
        return self.detail  # not HTTPException's "413: …" (ValueError has no __str__ of its own)


class BodyReadTimeoutError(RequestTimeoutError, HTTPException):
    def __init__(self, timeout_s: float) -> None:
        message = f"the request body did not arrive within {timeout_s:g} s"
        RequestTimeoutError.__init__(self, message)
        self.detail = message

    def __str__(self) -> str:
        return self.detail


class RequestBodyLimitsMiddleware:
    """Pure ASGI: at most `max_bytes` of body, complete `timeout_s` after the app is called (that is,
    after the headers arrived). Once the body is in, `receive` is passed through untouched, so a
    streaming response can still wait on it for the client's disconnect."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        deadline = anyio.current_time() + self.timeout_s
        received = 0
        complete = False

        async def limited_receive() -> Message:
            nonlocal received, complete
            if complete:
                return await receive()
            if declared is not None and declared > self.max_bytes:
                raise BodyTooLargeError(self.max_bytes)  # before reading: uvicorn sends no 100 Continue
            # Cancelling a pending receive loses nothing: the server keeps what has arrived.
            with anyio.move_on_after(deadline - anyio.current_time()) as waited:
                message = await receive()
            if waited.cancelled_caught:
                raise BodyReadTimeoutError(self.timeout_s)
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLargeError(self.max_bytes)
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True  # the last chunk, or the client went away
            return message

        await self.app(scope, limited_receive, send)


def _content_length(scope: Scope) -> int | None:
    try:
        return int(Headers(scope=scope)["content-length"])
    except (KeyError, ValueError):
        return None  # none (chunked), or malformed: the bytes are counted as they come either way


def uvicorn_limits(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.run`/`uvicorn.Config` bounding what the app cannot: connections
    at once (past it: 503 without reaching the app), the size of the request line and headers,
    idle keep-alive connections, and how long shutdown waits for requests still running."""
    return {
        "limit_concurrency": settings.max_connections or None,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "timeout_keep_alive": settings.keep_alive_timeout_s,
        "timeout_graceful_shutdown": settings.shutdown_timeout_s,
    }


__all__ = ["BodyReadTimeoutError", "BodyTooLargeError", "RequestBodyLimitsMiddleware", "uvicorn_limits"]
