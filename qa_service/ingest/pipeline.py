"""Files → cleaned documents → clause chunks, one outcome per file instead of stopping at the first.

Each file is loaded, cleaned, split and chunked in a worker process under a time and memory budget
(`ingest/worker.py`), so a hostile file costs at most its budget and gets a reason.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tqdm import tqdm

from qa_service.core.config import Settings
from qa_service.ingest.chunking import chunk_document
from qa_service.ingest.cleaning import clean_text
from qa_service.ingest.loaders import LoaderError, iter_files_with_names, load_file
from qa_service.ingest.models import Chunk, Document, LoadedFile, LoadError
from qa_service.ingest.naming import document_prefixes, printable, source_name
from qa_service.ingest.splitting import split_documents
from qa_service.ingest.worker import TaskOutcome, WorkerLimits, run_tasks

NO_BODY = "no body text (only a title or page furniture)"


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file: its documents, or why it was skipped."""

    path: str  # as named on the command line or found below it, printable
    status: Literal["indexed", "skipped"]
    reason: str | None = None
    doc_ids: tuple[str, ...] = ()
    chunks: int = 0
    seconds: float = 0.0


@dataclass
class IngestResult:
    documents: list[Document] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    files: int = 0  # files that gave documents
    outcomes: list[FileOutcome] = field(default_factory=list)


def ingest_text(
    loaded: LoadedFile, settings: Settings, *, source: str | None = None, doc_prefix: str | None = None
) -> tuple[list[Document], list[Chunk]]:
    source = source or Path(loaded.source).name
    text = loaded.text if loaded.format == "md" else clean_text(loaded.text)
    documents = [
        document
        for document in split_documents(
            text, source, max_title_chars=settings.title_max_chars, doc_prefix=doc_prefix
        )
        if document.body.strip()
    ]
    chunks = [
        chunk
        for document in documents
        for chunk in chunk_document(
            document,
            max_chars=settings.chunk_max_chars,
            merge_chars=settings.chunk_merge_chars,
            overlap=settings.chunk_overlap_chars,
        )
    ]
    return documents, chunks


@dataclass(frozen=True)
class ParseJob:
    path: Path
    source: str
    doc_prefix: str
    settings: Settings


@dataclass(frozen=True)
class ParsedFile:
    documents: list[Document]
    chunks: list[Chunk]
    reason: str | None
    seconds: float


def _parse(job: ParseJob) -> tuple[list[Document], list[Chunk]]:
    settings = job.settings
    loaded = load_file(
        job.path,
        max_bytes=settings.max_file_bytes,
        max_unpacked_bytes=settings.ingest_max_unpacked_mb * 1024 * 1024,
    )
    return ingest_text(loaded, settings, source=job.source, doc_prefix=job.doc_prefix)


def parse_file(job: ParseJob) -> ParsedFile:
    """Load, clean, split and chunk one file (runs in a worker process); never raises."""
    started = time.perf_counter()
    documents: list[Document] = []
    chunks: list[Chunk] = []
    reason: str | None = None
    try:
        documents, chunks = _parse(job)
        if not documents:
            reason = NO_BODY
    except LoaderError as error:
        reason = error.reason
    except MemoryError:
        limit = job.settings.ingest_worker_memory_mb
        reason = f"out of memory (limit {limit} MB; QA_INGEST_WORKER_MEMORY_MB)"
    except RecursionError:
        reason = "nested too deeply to parse"
    except Exception as error:
        # A parser failure we did not foresee on one odd file must not cost the whole batch.
        reason = f"unexpected error: {type(error).__name__}: {error}"
    if reason is not None:
        # What a failed parse built is mostly cycles (a half-built tree), freed only by the collector,
        # and only now that the exception that referenced it is gone: without this the next file in
        # this worker could start out of memory too.
        documents, chunks = [], []
        gc.collect()
    return ParsedFile(documents, chunks, reason, time.perf_counter() - started)


def _limits(settings: Settings) -> WorkerLimits:
    return WorkerLimits(
        timeout_s=settings.ingest_file_timeout_s,
        memory_mb=settings.ingest_worker_memory_mb,
        workers=settings.ingest_workers,
    )


def _outcome(job: ParseJob, outcome: TaskOutcome[ParsedFile], seen_doc_ids: set[str]) -> FileOutcome:
    shown = printable(job.path)
    parsed = outcome.result
    if parsed is None:
        seconds = job.settings.ingest_file_timeout_s if outcome.timed_out else 0.0
        return FileOutcome(shown, "skipped", outcome.failure, seconds=seconds)
    if parsed.reason is not None:
        return FileOutcome(shown, "skipped", parsed.reason, seconds=parsed.seconds)
    doc_ids = tuple(document.meta.doc_id for document in parsed.documents)
    clashes = sorted(set(doc_ids) & seen_doc_ids)  # prefixes are unique by construction: a last guard
    if clashes:
        return FileOutcome(shown, "skipped", f"duplicate document id {clashes[0]}", seconds=parsed.seconds)
    return FileOutcome(shown, "indexed", None, doc_ids, len(parsed.chunks), parsed.seconds)


def ingest_paths(paths: Iterable[Path], settings: Settings, *, show_progress: bool = False) -> IngestResult:
    named = list(iter_files_with_names(paths))
    prefixes = document_prefixes((path.absolute(), relative) for path, relative in named)
    jobs = [
        ParseJob(path, source_name(relative), prefix, settings)
        for (path, relative), prefix in zip(named, prefixes, strict=True)
    ]
    result = IngestResult()
    seen_doc_ids: set[str] = set()
    outcomes = run_tasks(parse_file, jobs, _limits(settings))
    with tqdm(total=len(jobs), desc="parsing", unit="file", disable=not show_progress) as bar:
        for job, outcome in zip(jobs, outcomes, strict=True):
            file_outcome = _outcome(job, outcome, seen_doc_ids)
            result.outcomes.append(file_outcome)
            if file_outcome.status == "skipped":
                result.errors.append(LoadError(file_outcome.path, file_outcome.reason or "skipped"))
            elif outcome.result is not None:
                seen_doc_ids.update(file_outcome.doc_ids)
                result.documents.extend(outcome.result.documents)
                result.chunks.extend(outcome.result.chunks)
                result.files += 1
            bar.update()
            bar.set_postfix(skipped=len(result.errors), refresh=False)
    return result
