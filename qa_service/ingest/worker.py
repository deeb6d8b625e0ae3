"""Runs one task per file in a small pool of worker processes, each under a time and memory budget.

A parser that hangs or balloons on one hostile file would otherwise stop the whole build. Here such
a worker is killed (timeout) or runs out of its own address space (RLIMIT_AS) and the pool starts a
fresh one; the file gets a reason and the batch goes on. The pool is pebble's: per-task timeouts and
worker replacement are exactly what it provides, and its workers are long-lived, so a 3,400-file
build does not pay a process start per file.

Workers start from a forkserver, never by forking the caller: the caller may hold torch's threads
(forking a threaded process can deadlock the child) and gigabytes of model weights.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import TimeoutError as FutureTimeoutError
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Generic, TypeVar

from pebble import ProcessExpired, ProcessPool

from qa_service.core.errors import IngestWorkersError

Job = TypeVar("Job")
Result = TypeVar("Result")

# A worker is replaced after this many files anyway, so one that grew on a big file gives it back.
_TASKS_PER_WORKER = 500


@dataclass(frozen=True)
class WorkerLimits:
    timeout_s: float  # per task; 0: none
    memory_mb: int  # address space each worker may add to what it maps at start; 0: no limit
    workers: int  # processes; 0: one per CPU, at most 4


@dataclass(frozen=True)
class TaskOutcome(Generic[Result]):
    """The task's return value, or why there is none (killed, crashed)."""

    result: Result | None
    failure: str | None = None
    timed_out: bool = False


def _address_space_now() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0  # not Linux: the limit is then absolute


def _limit_memory(memory_mb: int) -> None:
    if memory_mb > 0:
        # On top of what the worker already maps: like any multiprocessing child it has imported the
        # caller's main module (the `qa` script pulls in numpy and faiss: ~500 MB of address space).
        limit = _address_space_now() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # Ctrl-C reaches the whole process group: the parent stops the pool, workers need not see it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_count(limits: WorkerLimits, tasks: int) -> int:
    wanted = limits.workers if limits.workers > 0 else min(os.cpu_count() or 1, 4)
    return max(1, min(wanted, tasks))


def _context(preload: Sequence[str]) -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    # Imported once by the server, so a worker that replaces a killed one starts in milliseconds.
    # Ignored once the server runs (the first pool in this process started it).
    context.set_forkserver_preload(list(preload))
    return context


def _failure(error: BaseException, limits: WorkerLimits) -> str:
    if isinstance(error, FutureTimeoutError):
        return f"took longer than {limits.timeout_s:g} s (stopped; limit QA_INGEST_FILE_TIMEOUT_S)"
    if isinstance(error, ProcessExpired):
        code = error.exitcode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            # SIGKILL with no timeout of ours: the kernel's OOM killer is the usual sender.
            return f"parser process killed by {name} (out of memory?)"
        return f"parser process crashed (exit code {code})"
    return f"unexpected error in the parser process: {type(error).__name__}: {error}"


def run_tasks(
    task: Callable[[Job], Result],
    jobs: Sequence[Job],
    limits: WorkerLimits,
    *,
    preload: Sequence[str] = (),
) -> Iterator[TaskOutcome[Result]]:
    """`task(job)` for every job in worker processes; outcomes in job order.

    `task` must be a module-level function (it is sent to the workers by name) that reports the
    failures it expects in its result; what escapes it, a timeout and a dead worker become `failure`.
    """
    if not jobs:
        return
    pool = ProcessPool(
        max_workers=_worker_count(limits, len(jobs)),
        max_tasks=_TASKS_PER_WORKER,
        initializer=_limit_memory,
        initargs=(limits.memory_mb,),
        context=_context([task.__module__, *preload]),
    )
    finished = False
    try:
        timeout = limits.timeout_s if limits.timeout_s > 0 else None
        futures = [pool.schedule(task, args=(job,), timeout=timeout) for job in jobs]
        for future in futures:
            try:
                yield TaskOutcome(future.result())
            except BrokenProcessPool as error:
                # No worker is left to run anything (none could start, or they died between files):
                # skipping every remaining file for it would blame the files.
                raise IngestWorkersError(
                    f"the file parser processes stopped ({error}); a script that builds the index needs "
                    "`if __name__ == '__main__':` (workers start in forkserver mode), and "
                    "QA_INGEST_WORKER_MEMORY_MB must leave room to start one"
                ) from error
            except Exception as error:  # timeout, dead worker, or what escaped the task
                yield TaskOutcome(None, _failure(error, limits), isinstance(error, FutureTimeoutError))
        finished = True
    finally:
        if finished:
            pool.close()
        else:  # interrupted or abandoned: pending files are not worth waiting for
            pool.stop()
        pool.join()
