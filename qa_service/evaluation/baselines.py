"""Baselines for `qa eval compare`: what clause-aware chunking and hybrid retrieval buy.

Each baseline offers the two calls the answer pipeline makes of its search service (`validate_query`,
`search`), so the same refusal gates, extractive answerer and scoring run over different retrieval.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from langchain_text_splitters import RecursiveCharacterTextSplitter

from qa_service.core.config import Settings
from qa_service.ingest.loaders import load_paths
from qa_service.ingest.models import Chunk, DocumentMeta
from qa_service.retrieval.dense import DenseIndex
from qa_service.retrieval.embeddings import Embedder
from qa_service.retrieval.retriever import RetrievalMode, SearchHit
from qa_service.services.search import SearchService

NAIVE_CHUNK_SIZE = 500


class FixedModeSearch:
    """The project's index, searched dense-only or BM25-only."""

    def __init__(self, search: SearchService, mode: RetrievalMode) -> None:
        self._search = search
        self._mode = mode

    def validate_query(self, query: str) -> str:
        return self._search.validate_query(query)

    def search(
        self, query: str, *, top_k: int | None = None, doc_ids: Sequence[str] | None = None, **_: object
    ) -> list[SearchHit]:
        return self._search.search(query, top_k=top_k, doc_ids=doc_ids, mode=self._mode)

    def embed_query(self, query: str) -> np.ndarray:
        return self._search.embed_query(query)


class NaiveRagSearch:
    """A textbook RAG index: each file's raw text cut by LangChain's RecursiveCharacterTextSplitter
    (500 characters), embedded with the same model into a flat FAISS index. No cleaning, no splitting
    of pages into documents, no clause structure, no BM25."""

    def __init__(
        self,
        chunks: list[Chunk],
        documents: dict[str, DocumentMeta],
        dense: DenseIndex,
        embedder: Embedder,
        settings: Settings,
    ) -> None:
        self._chunks = chunks
        self._documents = documents
        self._dense = dense
        self._embedder = embedder
        self._settings = settings

    @classmethod
    def build(cls, paths: Sequence[Path], settings: Settings, embedder: Embedder) -> NaiveRagSearch:
        files, _ = load_paths(paths, max_bytes=settings.max_file_bytes)
        splitter = RecursiveCharacterTextSplitter(chunk_size=NAIVE_CHUNK_SIZE, chunk_overlap=0)
        chunks: list[Chunk] = []
        documents: dict[str, DocumentMeta] = {}
        for loaded in files:
            name = Path(loaded.source).name
            documents[name] = DocumentMeta(name, name, None, None, None, loaded.source, name)
            for number, piece in enumerate(splitter.split_text(loaded.text), start=1):
                ref = f"{name} #{number}"
                chunks.append(Chunk(ref, name, piece, [ref], ref, index_text=piece))
        vectors = embedder.embed_passages([chunk.text for chunk in chunks])
        return cls(chunks, documents, DenseIndex.build(np.asarray(vectors)), embedder, settings)

    def validate_query(self, query: str) -> str:
        return SearchService.validate_text(query, self._settings)

    def embed_query(self, query: str) -> np.ndarray:
        return self._embedder.embed_queries([query])[0]

    def search(
        self,
        query: str,
        *,
        top_k: int | None = None,
        query_vector: np.ndarray | None = None,
        **_: object,
    ) -> list[SearchHit]:
        vector = self.embed_query(query) if query_vector is None else query_vector
        found = self._dense.search(vector, top_k or self._settings.top_k)
        return [
            SearchHit(self._chunks[row], self._documents[self._chunks[row].doc_id], score, rank, None, score)
            for rank, (row, score) in enumerate(found, start=1)
        ]


__all__ = ["NAIVE_CHUNK_SIZE", "FixedModeSearch", "NaiveRagSearch"]
