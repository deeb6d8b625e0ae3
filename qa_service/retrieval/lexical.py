"""Lexical index: BM25 (bm25s) over jieba tokens of the normalised clause text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from qa_service.retrieval.tokenize import tokenize

TOKENIZER_FILE = "tokenizer.json"


class LexicalIndex:
    def __init__(self, model: bm25s.BM25, size: int, *, bigrams: bool) -> None:
        self._model = model
        self.size = size
        self.bigrams = bigrams  # queries must be tokenized as the index was

    @classmethod
    def build(cls, texts: Sequence[str], *, k1: float, b: float, bigrams: bool) -> LexicalIndex:
        model = bm25s.BM25(k1=k1, b=b)
        model.index([tokenize(text, bigrams=bigrams) for text in texts], show_progress=False)
        return cls(model, len(texts), bigrams=bigrams)

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex:
        options = json.loads((folder / TOKENIZER_FILE).read_text(encoding="utf-8"))
        tokenize("预热")  # loads jieba's dictionary now rather than during the first query
        return cls(bm25s.BM25.load(str(folder), show_progress=False), size, bigrams=options["bigrams"])

    def save(self, folder: Path) -> None:
        self._model.save(str(folder), show_progress=False)
        (folder / TOKENIZER_FILE).write_text(json.dumps({"bigrams": self.bigrams}), encoding="utf-8")

    def search(self, query: str, k: int, allowed_mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row, BM25 score) best first, rows with a zero score left out."""
        tokens = tokenize(query, bigrams=self.bigrams)
        if not tokens or k <= 0:
            return []
        scores = self._model.get_scores(tokens)[: self.size]
        if allowed_mask is not None:
            scores = np.where(allowed_mask, scores, 0.0)
        k = min(k, self.size)
        top = np.argpartition(-scores, k - 1)[:k]
        ranked = top[np.argsort(-scores[top], kind="stable")]
        return [(int(row), float(scores[row])) for row in ranked if scores[row] > 0]
