"""A bounded queue in front of the LLM: who may generate now, who may wait, who is turned away.

llama.cpp generates one answer at a time on the CPU (about 4 s each). Without a bound, eight clients
queue behind each other for half a minute and past the chat page's 60 s timeout. With one, a request
that cannot get the model soon is told so at once: `auto` answers with quotes instead, `generative`
gets 503 with Retry-After.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from qa_service.core.errors import OverloadedError


class Cancelled(Exception):
    """The client went away; stop working on its answer."""


class AdmissionQueue:
    """`running` requests generate at once; up to `waiting` more wait at most `wait_timeout_s`."""

    def __init__(self, *, running: int = 1, waiting: int = 2, wait_timeout_s: float = 10.0) -> None:
        self._running = max(1, running)
        self._waiting_limit = max(0, waiting)
        self._wait_timeout_s = wait_timeout_s
        self._condition = threading.Condition()
        self._active = 0
        self._waiting = 0

    @property
    def retry_after_s(self) -> int:
        return max(1, round(self._wait_timeout_s))

    def is_full(self) -> bool:
        """No slot free and no room to wait: a new request would be turned away."""
        with self._condition:
            return self._active >= self._running and self._waiting >= self._waiting_limit

    def stats(self) -> dict[str, int]:
        with self._condition:
            return {"running": self._active, "waiting": self._waiting}

    @contextmanager
    def slot(self, cancel: threading.Event | None = None) -> Iterator[None]:
        """Holds a generation slot for the block. Raises OverloadedError when the queue is full or the
        wait runs out, Cancelled when `cancel` is set while waiting."""
        deadline = time.monotonic() + self._wait_timeout_s
        with self._condition:
            if self._active >= self._running:
                if self._waiting >= self._waiting_limit:
                    raise OverloadedError(
                        "the model is busy: every generation slot is taken", self.retry_after_s
                    )
                self._waiting += 1
                try:
                    while self._active >= self._running:
                        if cancel is not None and cancel.is_set():
                            raise Cancelled
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            raise OverloadedError(
                                f"the model stayed busy for {self._wait_timeout_s:.0f} s", self.retry_after_s
                            )
                        # Wake at least every 0.2 s to notice a cancelled request.
                        self._condition.wait(min(remaining, 0.2))
                finally:
                    self._waiting -= 1
            self._active += 1
        try:
            yield
        finally:
            with self._condition:
                self._active -= 1
                self._condition.notify()


__all__ = ["AdmissionQueue", "Cancelled"]
