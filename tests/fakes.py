"""Small stand-ins for unit tests only; pipeline tests use the real model."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from qa_service.ingest.normalize import normalize_for_matching


class HashingEmbedder:
    """Bag of character bigrams hashed into a fixed-size, L2-normalised vector."""

    def __init__(self, name: str = "hashing-test", dimension: int = 64) -> None:
        self.name = name
        self._dimension = dimension

    @property
    def dimension(self) -> int:
        return self._dimension

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self._dimension, dtype=np.float32)
        norm = normalize_for_matching(text)
        for index in range(len(norm) - 1):
            digest = hashlib.md5(norm[index : index + 2].encode()).digest()
            vector[int.from_bytes(digest[:4], "little") % self._dimension] += 1.0
        length = np.linalg.norm(vector)
        return vector / length if length else vector

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(text) for text in texts])

    def embed_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return np.stack([self._vector(text) for text in texts])
