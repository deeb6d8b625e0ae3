"""Every error the service raises on purpose, each carrying the HTTP status it maps to.

One base class means one exception handler in the API and one `except QAError` in the CLI; a new
error only needs its status here. Each class keeps a standard-library base as well (ValueError,
LookupError…) so code that caught those before still does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar


class QAError(Exception):
    """Base of the service's errors: `status_code` is what the API answers, `str()` the detail."""

    status_code: ClassVar[int] = 500
    headers: dict[str, str] | None = None

    def extra(self) -> dict[str, Any]:
        """Fields added to the JSON error body beside `detail`."""
        return {}


# --- 4xx: the request ---------------------------------------------------------------------------


class InvalidQueryError(QAError, ValueError):
    status_code = 422


class UnknownDocumentError(QAError, LookupError):
    status_code = 404

    def __init__(self, doc_ids: Sequence[str]) -> None:
        super().__init__(f"unknown document id(s): {', '.join(doc_ids)}")
        self.doc_ids = list(doc_ids)

    def extra(self) -> dict[str, Any]:
        return {"doc_ids": self.doc_ids}


class AuthenticationError(QAError, PermissionError):
    status_code = 401

    def __init__(self, message: str = "a valid API key is required") -> None:
        super().__init__(message)
        self.headers = {"WWW-Authenticate": "Bearer"}


class ForbiddenError(QAError, PermissionError):
    status_code = 403


class RequestTooLargeError(QAError, ValueError):
    status_code = 413


class RequestTimeoutError(QAError, TimeoutError):
    """The client did not send its whole body in time (a slow or stalled upload)."""

    status_code = 408

    def __init__(self, message: str) -> None:
        super().__init__(message)
        # The rest of the body may still be trickling in: only closing the connection stops it, and
        # a next request on the same connection would be misread.
        self.headers = {"Connection": "close"}


class InvalidRequestError(InvalidQueryError):
    """The body or parameters do not match the API's schema: `detail` says it in one line (as every
    other error does), `errors` lists each problem as {loc, msg, type}."""

    # Where FastAPI says a value came from; the field path after it is what a client recognises.
    _SOURCES = ("body", "query", "path", "header", "cookie")
    # A megabyte of bad list items is a hundred thousand errors: the answer names the first few.
    MAX_LISTED = 20
    MAX_IN_DETAIL = 3

    def __init__(self, message: str, errors: Sequence[dict[str, Any]]) -> None:
        super().__init__(message)
        self.errors = list(errors)

    @classmethod
    def from_validation(cls, errors: Sequence[Mapping[str, Any]]) -> InvalidRequestError:
        """From pydantic/FastAPI validation errors. The offending `input` is never echoed back: it may
        be a lone surrogate or NaN, which cannot be encoded as JSON, or a megabyte of text."""
        items = []
        for error in errors[: cls.MAX_LISTED]:
            loc = [part if isinstance(part, int) else _printable(str(part)) for part in error.get("loc", ())]
            msg = _printable(str(error.get("msg", "invalid value")))
            if error.get("type") == "json_invalid":  # FastAPI's: loc is ("body", character offset)
                reason = (error.get("ctx") or {}).get("error", "")
                where = f" at character {loc[1]}" if len(loc) > 1 else ""
                msg = f"the body is not valid JSON{where}" + (f": {reason}" if reason else "")
                loc = loc[:1]
            items.append({"loc": loc, "msg": msg, "type": str(error.get("type", "value_error"))})
        message = "; ".join(_describe(item) for item in items[: cls.MAX_IN_DETAIL]) or "invalid request"
        if len(errors) > cls.MAX_IN_DETAIL:
            message += f" (and {len(errors) - cls.MAX_IN_DETAIL} more)"
        return cls(message, items)

    def extra(self) -> dict[str, Any]:
        return {"errors": self.errors}


def _describe(item: dict[str, Any]) -> str:
    loc = item["loc"]
    path = loc[1:] if loc and loc[0] in InvalidRequestError._SOURCES else loc
    where = ".".join(str(part) for part in path)
    return f"{where}: {item['msg']}" if where else item["msg"]


def _printable(text: str) -> str:
    # Lone surrogates cannot be encoded as UTF-8: writing them as \udXXX escapes keeps the message
    # readable and the error response encodable.
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class RateLimitedError(QAError):
    status_code = 429

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(max(1, retry_after_s))}


class NothingToIndexError(QAError, ValueError):
    status_code = 422


class DatasetError(QAError, ValueError):
    status_code = 422


class IndexBusyError(QAError, RuntimeError):
    status_code = 409


# --- 5xx: the service ---------------------------------------------------------------------------


class ServiceUnavailableError(QAError, RuntimeError):
    status_code = 503


class OverloadedError(ServiceUnavailableError):
    """Every slot for the LLM is taken: retry later (503 with Retry-After)."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(max(1, retry_after_s))}


class IndexNotFoundError(ServiceUnavailableError, FileNotFoundError):
    pass


class IndexCorruptError(ServiceUnavailableError):
    pass


class IngestWorkersError(QAError, RuntimeError):
    """The processes that parse files could not start or all died: no file's fault, so the build stops."""


class EmbeddingModelMismatchError(ServiceUnavailableError):
    pass


class GeneratorUnavailableError(ServiceUnavailableError):
    """The LLM cannot be loaded (not installed, no model file)."""


class GenerationUnavailableError(ServiceUnavailableError):
    """`mode=generative` was asked for but no LLM can be loaded."""


class PromptNotFoundError(QAError, FileNotFoundError):
    status_code = 500


class RemoteError(QAError, RuntimeError):
    status_code = 502


__all__ = [
    "AuthenticationError",
    "DatasetError",
    "EmbeddingModelMismatchError",
    "ForbiddenError",
    "GenerationUnavailableError",
    "GeneratorUnavailableError",
    "IndexBusyError",
    "IndexCorruptError",
    "IndexNotFoundError",
    "IngestWorkersError",
    "InvalidQueryError",
    "InvalidRequestError",
    "NothingToIndexError",
    "OverloadedError",
    "PromptNotFoundError",
    "QAError",
    "RateLimitedError",
    "RemoteError",
    "RequestTimeoutError",
    "RequestTooLargeError",
    "ServiceUnavailableError",
    "UnknownDocumentError",
]
