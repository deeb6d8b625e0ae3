"""The worker threads that compute answers and searches: a few, shared by /ask, /ask/stream, /search.

Starlette runs sync work on up to 40 threads. Fifty concurrent questions on 2 cores then means 40
threads contending for the GIL, the event loop starved of it, and /health answering in over a second
(p95 1.2 s measured). CPU-bound work gains nothing from more threads than cores, so requests beyond
`QA_COMPUTE_THREADS` wait their turn on the event loop, where waiting costs nothing; probes and the
chat page's files are served at once meanwhile. JSON is also rendered in the worker thread, not on
the loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from starlette.requests import Request

T = TypeVar("T")
_END = object()


def _limiter(request: Request) -> anyio.CapacityLimiter:
    state = request.app.state
    limiter = getattr(state, "compute_limiter", None)
    if limiter is None:  # created on first use, inside the event loop
        limiter = state.compute_limiter = anyio.CapacityLimiter(state.settings.compute_threads)
    return limiter


async def compute(request: Request, func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` on one of the compute threads."""
    return await anyio.to_thread.run_sync(func, *args, limiter=_limiter(request))


async def compute_each(request: Request, items: Iterator[T]) -> AsyncIterator[T]:
    """Each `next(items)` on a compute thread (a thread is held per item, not per stream, so a slow
    stream waiting on the LLM does not keep a thread from other requests between items)."""
    while (item := await compute(request, next, items, _END)) is not _END:
        yield item  # type: ignore[misc]


__all__ = ["compute", "compute_each"]
