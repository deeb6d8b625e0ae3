"""Builds and publishes the index from source files: ingest → embed → FAISS + BM25 → atomic swap."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qa_service.core.config import Settings
from qa_service.ingest.models import LoadError
from qa_service.ingest.pipeline import ingest_paths
from qa_service.retrieval.dense import DenseIndex
from qa_service.retrieval.embeddings import Embedder
from qa_service.retrieval.lexical import LexicalIndex
from qa_service.retrieval.store import build_lock, publish_index


class NothingToIndexError(ValueError):
    pass


@dataclass
class BuildReport:
    location: Path
    files: int
    documents: int
    chunks: int
    errors: list[LoadError] = field(default_factory=list)
    seconds_ingest: float = 0.0
    seconds_embed: float = 0.0
    seconds_total: float = 0.0

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.seconds_embed if self.seconds_embed else 0.0


def build_index(
    paths: Iterable[Path],
    settings: Settings,
    embedder: Embedder,
    *,
    target: Path | None = None,
    show_progress: bool = False,
) -> BuildReport:
    """Raises NothingToIndexError (with every file's reason) when no file yields a chunk; the
    previous index is then left untouched."""
    target = target or settings.index_dir
    started = time.perf_counter()
    with build_lock(target):
        result = ingest_paths(paths, settings)
        ingested = time.perf_counter()
        if not result.chunks:
            reasons = (
                "; ".join(f"{error.source}: {error.reason}" for error in result.errors) or "no input files"
            )
            raise NothingToIndexError(f"nothing to index ({reasons})")
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
        location = publish_index(
            target,
            manifest=manifest,
            documents=[document.meta for document in result.documents],
            chunks=result.chunks,
            dense=DenseIndex.build(vectors),
            lexical=lexical,
        )
    finished = time.perf_counter()
    return BuildReport(
        location=location,
        files=result.files,
        documents=len(result.documents),
        chunks=len(result.chunks),
        errors=result.errors,
        seconds_ingest=ingested - started,
        seconds_embed=embedded - ingested,
        seconds_total=finished - started,
    )
