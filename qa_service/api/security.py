"""Who may call what: API keys by scope, and an optional rate limit per caller.

Routes declare the scope they need with `dependencies=[AskAccess]` / `[AdminAccess]` (api/deps.py);
/health, /ready and the chat page declare none and stay open. Failures are QAErrors (401 with
WWW-Authenticate, 403, 429 with Retry-After), answered by the app's one error handler.

Whether a key is needed follows the address the server binds (`auth_mode`): an address other
machines can reach needs keys unless the operator says otherwise, so a container binding 0.0.0.0 is
never open by accident.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from qa_service.api.schemas import error_responses
from qa_service.core.config import Settings
from qa_service.core.errors import AuthenticationError, ForbiddenError, RateLimitedError
from qa_service.services.keys import ApiKey, KeyStore, Scope, scope_allows

logger = logging.getLogger(__name__)

AuthMode = Literal["required", "optional", "off"]


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and "localhost"; any other name counts as reachable (it may resolve to a
    public address, and guessing wrong would leave the service open)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def auth_mode(settings: Settings) -> AuthMode:
    if settings.auth_required == "always":
        return "required"
    if settings.auth_required == "never":
        return "off"
    return "optional" if is_loopback(settings.host) else "required"


class TokenBucketLimiter:
    """`per_minute` requests per caller, refilled continuously, bursts up to `per_minute`.

    In-process on purpose: the service runs as one process (it holds one model in memory), so a
    shared store (Redis) would add a moving part for nothing; and the libraries (slowapi over
    `limits`) bring per-route decorators and their own exception handler, where the app keeps one
    handler for every error. Thirty lines of token bucket are easier to read than either.
    """

    # Idle callers' buckets are forgotten past this many callers (a full bucket carries no state).
    MAX_CALLERS = 10_000

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # caller → (tokens, when counted)
        self._lock = threading.Lock()

    def take(self, caller: str) -> float:
        """Spends one token: 0.0 when the request may go ahead, else the seconds until it may."""
        with self._lock:
            now = self._clock()
            tokens, counted = self._buckets.get(caller, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - counted) * self.rate)
            if tokens >= 1.0:
                self._buckets[caller] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[caller] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            if len(self._buckets) > self.MAX_CALLERS:
                self._forget_idle(now)
            return wait

    def _forget_idle(self, now: float) -> None:
        full = [
            caller
            for caller, (tokens, counted) in self._buckets.items()
            if tokens + (now - counted) * self.rate >= self.capacity
        ]
        for caller in full:
            del self._buckets[caller]


@dataclass(frozen=True)
class Caller:
    """Who made a request: a key, or nobody (keys optional or off) known by the client address."""

    key: ApiKey | None
    address: str

    @property
    def identity(self) -> str:
        return f"key:{self.key.id}" if self.key is not None else f"address:{self.address}"


class Gatekeeper:
    """The app's authentication and rate limit (one per app, kept in `app.state.gatekeeper`)."""

    def __init__(self, settings: Settings, store: KeyStore | None = None) -> None:
        self.mode = auth_mode(settings)
        self.store = store or KeyStore(settings.keys_path)
        self.per_minute = settings.rate_limit_per_minute
        self.limiter = TokenBucketLimiter(self.per_minute) if self.per_minute > 0 else None

    async def admit(self, request: Request, secret: str | None, scope: Scope) -> Caller:
        caller = await self._authenticate(request, secret, scope)
        if self.limiter is not None:
            wait = self.limiter.take(caller.identity)
            if wait > 0:
                raise RateLimitedError(
                    f"rate limit of {self.per_minute} requests per minute exceeded", math.ceil(wait)
                )
        return caller

    async def _authenticate(self, request: Request, secret: str | None, scope: Scope) -> Caller:
        address = request.client.host if request.client else "unknown"
        if self.mode == "off":
            return Caller(None, address)
        if secret is None:
            if self.mode == "optional":
                return Caller(None, address)
            self._reject(request, address, "no key")
            raise AuthenticationError(
                "an API key is required: send `Authorization: Bearer <key>` or `X-API-Key: <key>`"
            )
        # A key that is sent is always checked, even where keys are optional, so a client behaves
        # the same on loopback as in production. The lookup touches SQLite: off the event loop.
        key = await run_in_threadpool(self.store.verify, secret)
        if key is None:
            self._reject(request, address, "invalid or revoked key")
            raise AuthenticationError("invalid or revoked API key")
        if not scope_allows(key.scope, scope):
            self._reject(request, address, f"key {key.id} has scope {key.scope}")
            raise ForbiddenError(f"this API key's scope is {key.scope!r}; this route needs {scope!r}")
        return Caller(key, address)

    @staticmethod
    def _reject(request: Request, address: str, reason: str) -> None:
        # Never the key, not even part of it: what was sent may be a real key for something else.
        logger.info("refused %s %s from %s: %s", request.method, request.url.path, address, reason)


# Both header forms, declared as FastAPI security schemes so /docs offers an "Authorize" button.
# auto_error=False: a missing header is this module's decision (keys may be optional), not a 403.
_bearer = HTTPBearer(auto_error=False, description="An API key from `qa keys create`.")
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The same key, as a header.")


def require(scope: Scope) -> Callable[..., Awaitable[Caller]]:
    """The dependency a route (or router) needing `scope` declares."""

    async def admit(
        request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        header_key: Annotated[str | None, Depends(_api_key_header)],
    ) -> Caller:
        secret = (bearer.credentials.strip() if bearer else "") or (header_key or "").strip() or None
        gatekeeper: Gatekeeper = request.app.state.gatekeeper
        return await gatekeeper.admit(request, secret, scope)

    admit.__name__ = f"require_{scope}"
    return admit


require_ask = require("ask")
require_admin = require("admin")

# Documented on every protected router (the bodies are the app's usual {"detail": str}).
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = error_responses(401, 403, 429)

__all__ = [
    "AUTH_RESPONSES",
    "AuthMode",
    "Caller",
    "Gatekeeper",
    "TokenBucketLimiter",
    "auth_mode",
    "is_loopback",
    "require",
    "require_admin",
    "require_ask",
]
