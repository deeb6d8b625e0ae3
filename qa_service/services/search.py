"""Search use case shared by the API and the CLI: validates the request, runs hybrid retrieval."""

from __future__ import annotations

from collections.abc import Sequence

from qa_service.core.config import Settings
from qa_service.ingest.models import DocumentMeta
from qa_service.retrieval.embeddings import Embedder
from qa_service.retrieval.retriever import HybridRetriever, RetrievalMode, SearchHit
from qa_service.retrieval.store import load_index


class InvalidQueryError(ValueError):
    pass


class UnknownDocumentError(LookupError):
    def __init__(self, doc_ids: Sequence[str]) -> None:
        super().__init__(f"unknown document id(s): {', '.join(doc_ids)}")
        self.doc_ids = list(doc_ids)


class SearchService:
    def __init__(self, retriever: HybridRetriever, settings: Settings) -> None:
        self._retriever = retriever
        self._settings = settings

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder) -> SearchService:
        return cls(HybridRetriever(load_index(settings.index_dir), embedder, settings), settings)

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
    ) -> list[SearchHit]:
        query = self.validate_query(query)
        top_k = top_k or self._settings.top_k
        if not 1 <= top_k <= self._settings.max_top_k:
            raise InvalidQueryError(f"top_k must be between 1 and {self._settings.max_top_k}")
        if doc_ids is not None:
            unknown = [doc_id for doc_id in doc_ids if doc_id not in self._retriever.bundle.documents]
            if unknown:
                raise UnknownDocumentError(unknown)
        return self._retriever.search(query, top_k, doc_ids=doc_ids, mode=mode)
