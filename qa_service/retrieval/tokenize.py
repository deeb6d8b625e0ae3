"""Tokens for the lexical index: jieba words of the matching form (simplified, lower-case)."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba

from qa_service.ingest.normalize import normalize_for_matching

_WORD_CHAR = re.compile(r"[0-9a-z\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)  # jieba prints its dictionary loading to stderr otherwise
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


_CJK_RUN = re.compile(r"[\u3400-\u9fff]{2,}")


def tokenize(text: str, *, bigrams: bool = False) -> list[str]:
    """Search-mode jieba tokens (long words and their parts), punctuation and spaces dropped;
    with `bigrams`, also every pair of adjacent Chinese characters, which matches colloquial
    questions whose words jieba cuts differently from the policy text."""
    norm = normalize_for_matching(text)
    tokens = [token for token in _tokenizer().lcut_for_search(norm) if _WORD_CHAR.search(token)]
    if bigrams:
        for run in _CJK_RUN.findall(norm):
            tokens.extend(f"_{run[index : index + 2]}" for index in range(len(run) - 1))
    return tokens
