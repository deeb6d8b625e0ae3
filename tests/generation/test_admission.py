"""The bounded LLM queue: who generates, who waits, who is turned away at once."""

from __future__ import annotations

import threading
import time

import pytest

from qa_service.core.errors import OverloadedError
from qa_service.generation.admission import AdmissionQueue, Cancelled


def _hold(queue: AdmissionQueue, release: threading.Event, entered: threading.Event) -> threading.Thread:
    def run() -> None:
        with queue.slot():
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=run)
    thread.start()
    assert entered.wait(5)
    return thread


def test_a_full_queue_turns_away_at_once_with_retry_after() -> None:
    queue = AdmissionQueue(running=1, waiting=0, wait_timeout_s=3)
    release, entered = threading.Event(), threading.Event()
    holder = _hold(queue, release, entered)
    assert queue.is_full()
    started = time.monotonic()
    with pytest.raises(OverloadedError) as raised, queue.slot():
        pass
    assert time.monotonic() - started < 0.5
    assert raised.value.status_code == 503
    assert raised.value.headers == {"Retry-After": "3"}
    release.set()
    holder.join()
    assert not queue.is_full()
    with queue.slot():
        assert queue.stats() == {"running": 1, "waiting": 0}


def test_a_waiter_gets_the_slot_when_it_frees_and_gives_up_after_the_timeout() -> None:
    queue = AdmissionQueue(running=1, waiting=1, wait_timeout_s=0.3)
    release, entered = threading.Event(), threading.Event()
    holder = _hold(queue, release, entered)
    started = time.monotonic()
    with pytest.raises(OverloadedError), queue.slot():
        pass
    assert 0.25 <= time.monotonic() - started < 2
    threading.Timer(0.1, release.set).start()
    patient = AdmissionQueue(running=1, waiting=1, wait_timeout_s=5)
    release2, entered2 = threading.Event(), threading.Event()
    holder2 = _hold(patient, release2, entered2)
    threading.Timer(0.2, release2.set).start()
    with patient.slot():
        assert patient.stats()["running"] == 1
    holder.join()
    holder2.join()


def test_a_cancelled_waiter_leaves_the_queue() -> None:
    queue = AdmissionQueue(running=1, waiting=1, wait_timeout_s=10)
    release, entered = threading.Event(), threading.Event()
    holder = _hold(queue, release, entered)
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled), queue.slot(cancel):
        pass
    assert time.monotonic() - started < 2
    assert queue.stats() == {"running": 1, "waiting": 0}
    release.set()
    holder.join()
