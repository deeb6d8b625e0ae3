"""Which script a text is written in: the one definition of "a Chinese character" the package uses.

The CJK Unified Ideographs block and Extension A (U+3400–U+9FFF) hold every character of the corpus
and of the questions; the rarer extensions are left out on purpose so that one range serves every
regular expression here (tokens, sentence ends, language detection).
"""

from __future__ import annotations

import re
from typing import Literal

from qa_service.ingest.normalize import to_simplified

Language = Literal["zh", "en"]

CJK_RANGE = "\u3400-\u9fff"
CJK_CHAR = re.compile(f"[{CJK_RANGE}]")
CJK_RUN = re.compile(f"[{CJK_RANGE}]+")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def chinese_share(text: str) -> float:
    """Chinese characters ÷ (Chinese characters + Latin letters); 1.0 for text with neither."""
    chinese = len(CJK_CHAR.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    return chinese / (chinese + latin) if chinese + latin else 1.0


def detect_language(text: str) -> Language:
    """English when Latin letters outnumber Chinese characters ("What does 柳州工业贷 cover?" is English)."""
    return "en" if chinese_share(text) < 0.5 else "zh"


def is_traditional(text: str) -> bool:
    """Whether folding to simplified changes the text: it holds at least one traditional form."""
    return to_simplified(text) != text


__all__ = [
    "CJK_CHAR",
    "CJK_RANGE",
    "CJK_RUN",
    "Language",
    "chinese_share",
    "detect_language",
    "is_traditional",
]
