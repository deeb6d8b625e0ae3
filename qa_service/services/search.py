"""Search use case shared by the API and the CLI: validates the request, runs hybrid retrieval."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa_service.core.config import Settings
from qa_service.core.errors import InvalidQueryError, ServiceUnavailableError, UnknownDocumentError
from qa_service.ingest.models import DocumentMeta
from qa_service.retrieval.embeddings import Embedder
from qa_service.retrieval.retriever import HybridRetriever, RetrievalMode, SearchHit
from qa_service.retrieval.store import load_index


class SearchService:
    def __init__(
        self, retriever: HybridRetriever, settings: Settings, embedder: Embedder | None = None
    ) -> None:
        self._retriever = retriever
        self._settings = settings
        self._embedder = embedder
        self._reload_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder) -> SearchService:
        return cls(HybridRetriever(load_index(settings.index_dir), embedder, settings), settings, embedder)

    @property
    def location(self) -> Path:
        """The version folder the loaded index was read from."""
        return self._retriever.bundle.location

    def published_location(self) -> Path | None:
        """The version folder the index path points at now (None when there is none)."""
        target = self._settings.index_dir
        return target.resolve() if target.exists() else None

    def reload(self, *, force: bool = False) -> bool:
        """Loads the published index when it is not the one in service and swaps it in; True when it
        did. Requests in flight finish on the retriever they started with (each method reads
        `self._retriever` once), so nothing is dropped. A broken new index raises and the old one
        stays in service."""
        if self._embedder is None:
            raise ServiceUnavailableError("this search service cannot reload (built without an embedder)")
        with self._reload_lock:  # two reloads at once would load the same index twice
            published = self.published_location()
            if published is None or (published == self.location and not force):
                return False
            retriever = HybridRetriever(load_index(self._settings.index_dir), self._embedder, self._settings)
            self._retriever = retriever
            return True

    @property
    def retriever(self) -> HybridRetriever:
        """The retriever in service now (training reads its fused candidates)."""
        return self._retriever

    @property
    def manifest(self) -> dict:
        return self._retriever.bundle.manifest

    def documents(self) -> list[DocumentMeta]:
        return list(self._retriever.bundle.documents.values())

    def document(self, doc_id: str) -> DocumentMeta:
        try:
            return self._retriever.bundle.documents[doc_id]
        except KeyError:
            raise UnknownDocumentError([doc_id]) from None

    def chunk_count(self, doc_id: str | None = None) -> int:
        chunks = self._retriever.bundle.chunks
        return len(chunks) if doc_id is None else sum(chunk.doc_id == doc_id for chunk in chunks)

    @staticmethod
    def validate_text(query: str, settings: Settings) -> str:
        stripped = query.strip()
        if not stripped:
            raise InvalidQueryError("query is empty")
        if len(stripped) > settings.max_query_chars:
            raise InvalidQueryError(
                f"query is {len(stripped)} characters; the limit is {settings.max_query_chars}"
            )
        return stripped

    def validate_query(self, query: str) -> str:
        return self.validate_text(query, self._settings)

    def search(
        self,
        query: str,
        *,
        top_k: int | None = None,
        doc_ids: Sequence[str] | None = None,
        mode: RetrievalMode = "hybrid",
        query_vector: np.ndarray | None = None,
    ) -> list[SearchHit]:
        query = self.validate_query(query)
        top_k = top_k or self._settings.top_k
        if not 1 <= top_k <= self._settings.max_top_k:
            raise InvalidQueryError(f"top_k must be between 1 and {self._settings.max_top_k}")
        retriever = self._retriever  # one index for the whole request, even if a reload swaps it now
        if doc_ids is not None:
            unknown = [doc_id for doc_id in doc_ids if doc_id not in retriever.bundle.documents]
            if unknown:
                raise UnknownDocumentError(unknown)
        return retriever.search(query, top_k, doc_ids=doc_ids, mode=mode, query_vector=query_vector)

    def embed_query(self, query: str) -> np.ndarray:
        """The query's embedding, for callers that use it beyond retrieval (the domain gate): pass it
        back to `search(query_vector=…)` so the model runs once per question."""
        return self._retriever.embed_query(query)
