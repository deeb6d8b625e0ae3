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


class TokenGenerator:
    """An LLM stand-in that streams fixed tokens with a delay between them and counts what it sent,
    so queueing and cancellation can be observed without a model."""

    name = "tokens.gguf"

    def __init__(self, tokens: Sequence[str], delay_s: float = 0.05) -> None:
        self._tokens = list(tokens)
        self._delay_s = delay_s
        self.sent = 0
        self.calls = 0
        self.closed = 0

    def load(self) -> None:
        return None

    def complete(self, prompt: str, *, max_tokens: int, stop: list[str]) -> str:
        return "".join(self.stream(prompt, max_tokens=max_tokens, stop=stop))

    def stream(self, prompt: str, *, max_tokens: int, stop: list[str]):  # type: ignore[no-untyped-def]
        import time

        self.calls += 1
        try:
            for token in self._tokens[:max_tokens]:
                time.sleep(self._delay_s)
                self.sent += 1
                yield token
        finally:
            self.closed += 1
