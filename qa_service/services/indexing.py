"""Builds and publishes the index from source files: ingest → embed → FAISS + BM25 → atomic swap."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from qa_service.core.config import Settings
from qa_service.core.errors import NothingToIndexError
from qa_service.ingest.models import LoadError
from qa_service.ingest.naming import printable
from qa_service.ingest.pipeline import FileOutcome, IngestResult, ingest_paths
from qa_service.retrieval.dense import DenseIndex
from qa_service.retrieval.embeddings import Embedder
from qa_service.retrieval.lexical import LexicalIndex
from qa_service.retrieval.store import build_lock, publish_index


@dataclass
class BuildReport:
    location: Path | None  # None: nothing was published
    files: int  # files that gave documents
    documents: int
    chunks: int
    errors: list[LoadError] = field(default_factory=list)
    seconds_ingest: float = 0.0
    seconds_embed: float = 0.0
    seconds_total: float = 0.0
    outcomes: list[FileOutcome] = field(default_factory=list)
    failure: str | None = None

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.seconds_embed if self.seconds_embed else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Every file with its outcome, the skipped ones with their reasons, counts and timings."""
        return {
            "published": str(self.location) if self.location else None,
            "failure": self.failure,
            "counts": {
                "files": len(self.outcomes),
                "indexed": self.files,
                "skipped": len(self.errors),
                "documents": self.documents,
                "chunks": self.chunks,
            },
            "seconds": {
                "parse": round(self.seconds_ingest, 3),
                "embed": round(self.seconds_embed, 3),
                "total": round(self.seconds_total, 3),
            },
            "skipped": [{"path": error.source, "reason": error.reason} for error in self.errors],
            "files": [{**asdict(outcome), "seconds": round(outcome.seconds, 3)} for outcome in self.outcomes],
        }


def write_build_report(report: BuildReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Every name in it is printable already; backslashreplace only guards against a slip.
    with path.open("w", encoding="utf-8", errors="backslashreplace") as handle:
        json.dump(report.to_dict(), handle, ensure_ascii=False, indent=1)


def _nothing_to_index(result: IngestResult, paths: list[Path]) -> str:
    reasons = "; ".join(f"{error.source}: {error.reason}" for error in result.errors)
    named = ", ".join(printable(path) for path in paths)
    return f"nothing to index ({reasons or f'no input files in {named}'})"


def build_index(
    paths: Iterable[Path],
    settings: Settings,
    embedder: Embedder,
    *,
    target: Path | None = None,
    show_progress: bool = False,
    report_to: Path | None = None,
) -> BuildReport:
    """Raises NothingToIndexError (with every file's reason) when no file yields a chunk; the
    previous index is then left untouched. `report_to`: a JSON report of every file (also written
    when nothing could be indexed)."""
    paths = list(paths)
    target = target or settings.index_dir
    started = time.perf_counter()
    with build_lock(target):
        result = ingest_paths(paths, settings, show_progress=show_progress)
        ingested = time.perf_counter()
        report = BuildReport(
            location=None,
            files=result.files,
            documents=len(result.documents),
            chunks=len(result.chunks),
            errors=result.errors,
            seconds_ingest=ingested - started,
            outcomes=result.outcomes,
        )
        if not result.chunks:
            report.failure = _nothing_to_index(result, paths)
            report.seconds_total = report.seconds_ingest
            if report_to is not None:
                write_build_report(report, report_to)
            raise NothingToIndexError(report.failure)
        vectors = embedder.embed_passages(
            [chunk.index_text for chunk in result.chunks], show_progress=show_progress
        )
        embedded = time.perf_counter()
        lexical = LexicalIndex.build(
            [chunk.index_text for chunk in result.chunks],
            k1=settings.bm25_k1,
            b=settings.bm25_b,
            bigrams=settings.bm25_bigrams,
        )
        manifest = {
            "embedding_model": embedder.name,
            "dimension": int(vectors.shape[1]),
            "documents": len(result.documents),
            "chunks": len(result.chunks),
            "chunk_max_chars": settings.chunk_max_chars,
            "chunk_merge_chars": settings.chunk_merge_chars,
            "bm25_bigrams": settings.bm25_bigrams,
            "sources": sorted({document.meta.source for document in result.documents}),
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        report.location = publish_index(
            target,
            manifest=manifest,
            documents=[document.meta for document in result.documents],
            chunks=result.chunks,
            dense=DenseIndex.build(vectors),
            lexical=lexical,
        )
    report.seconds_embed = embedded - ingested
    report.seconds_total = time.perf_counter() - started
    if report_to is not None:
        write_build_report(report, report_to)
    return report
