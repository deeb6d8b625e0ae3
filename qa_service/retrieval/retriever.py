"""Hybrid retrieval over a loaded index: dense and BM25 rankings fused, optional document filter."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

import numpy as np

from qa_service.core.config import Settings
from qa_service.core.errors import EmbeddingModelMismatchError
from qa_service.ingest.models import Chunk, DocumentMeta
from qa_service.retrieval.embeddings import Embedder
from qa_service.retrieval.fusion import reciprocal_rank_fusion, weighted_fusion
from qa_service.retrieval.query_expansion import expand_query
from qa_service.retrieval.store import IndexBundle

RetrievalMode = Literal["hybrid", "dense", "lexical"]


_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def chinese_share(text: str) -> float:
    """Chinese characters ÷ (Chinese characters + Latin letters); 1.0 for text with neither."""
    chinese = len(_CJK.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    return chinese / (chinese + latin) if chinese + latin else 1.0


@dataclass(frozen=True)
class SearchHit:
    chunk: Chunk
    document: DocumentMeta
    score: float
    dense_rank: int | None
    lexical_rank: int | None
    dense_score: float | None = None  # cosine similarity to the question, when dense retrieval ran


class HybridRetriever:
    def __init__(self, bundle: IndexBundle, embedder: Embedder, settings: Settings) -> None:
        built_with = bundle.manifest.get("embedding_model")
        if built_with != embedder.name or bundle.dense.dimension != embedder.dimension:
            raise EmbeddingModelMismatchError(
                f"index was built with embedding model {built_with!r}, settings use {embedder.name!r}: "
                "rebuild the index or change QA_EMBEDDING_MODEL"
            )
        self.bundle = bundle
        self._embedder = embedder
        self._settings = settings
        rows_by_doc: dict[str, list[int]] = {}
        for row, chunk in enumerate(bundle.chunks):
            rows_by_doc.setdefault(chunk.doc_id, []).append(row)
        self._doc_rows: dict[str, np.ndarray] = {
            doc_id: np.array(rows, dtype=np.int64) for doc_id, rows in rows_by_doc.items()
        }

    def embed_query(self, query: str) -> np.ndarray:
        return self._embedder.embed_queries([query])[0]

    def _allowed_rows(self, doc_ids: Collection[str] | None) -> np.ndarray | None:
        if doc_ids is None:
            return None
        rows = [self._doc_rows[doc_id] for doc_id in doc_ids if doc_id in self._doc_rows]
        return np.concatenate(rows) if rows else np.array([], dtype=np.int64)

    def search(
        self,
        query: str,
        top_k: int,
        *,
        doc_ids: Collection[str] | None = None,
        mode: RetrievalMode = "hybrid",
        query_vector: np.ndarray | None = None,
    ) -> list[SearchHit]:
        """`query_vector`: the query's embedding when the caller already has it (`embed_query`)."""
        settings = self._settings
        allowed = self._allowed_rows(doc_ids)
        if allowed is not None and allowed.size == 0:
            return []
        candidates = max(top_k, settings.candidate_k)
        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        if mode in ("hybrid", "dense"):
            if query_vector is None:
                query_vector = self.embed_query(query)
            dense = self.bundle.dense.search(query_vector, candidates, allowed)
        if mode in ("hybrid", "lexical"):
            mask = None
            if allowed is not None:
                mask = np.zeros(len(self.bundle.chunks), dtype=bool)
                mask[allowed] = True
            # Only BM25 needs the spelled-out terms: the embedding model already relates 技改 to 技术改造.
            lexical_query = expand_query(query) if settings.expand_abbreviations else query
            lexical = self.bundle.lexical.search(lexical_query, candidates, mask)
        fused = self._fuse(query, dense, lexical, mode)
        dense_ranks = {row: rank for rank, (row, _) in enumerate(dense, start=1)}
        dense_scores = dict(dense)
        lexical_ranks = {row: rank for rank, (row, _) in enumerate(lexical, start=1)}
        ranked = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:top_k]
        return [
            SearchHit(
                chunk=self.bundle.chunks[row],
                document=self.bundle.documents[self.bundle.chunks[row].doc_id],
                score=score,
                dense_rank=dense_ranks.get(row),
                dense_score=dense_scores.get(row),
                lexical_rank=lexical_ranks.get(row),
            )
            for row, score in ranked
        ]

    def _fuse(
        self,
        query: str,
        dense: list[tuple[int, float]],
        lexical: list[tuple[int, float]],
        mode: RetrievalMode,
    ) -> dict[int, float]:
        if mode == "dense":
            return dict(dense)
        if mode == "lexical":
            return dict(lexical)
        # BM25 runs over Chinese text: an English question's few Chinese characters (a name in
        # brackets) would let it rank noise, so its say shrinks with the question's share of Chinese.
        weights = (self._settings.dense_weight, self._settings.lexical_weight * chinese_share(query))
        if self._settings.fusion == "weighted":
            return weighted_fusion([dict(dense), dict(lexical)], weights)
        rankings = [[row for row, _ in dense], [row for row, _ in lexical]]
        return reciprocal_rank_fusion(rankings, weights, self._settings.rrf_k)
