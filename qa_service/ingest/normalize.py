"""Text normalisation shared by ingestion, retrieval and evaluation.

Display text keeps the source's script; matching uses NFKC + simplified characters so a simplified
question finds a traditional clause and vice versa.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

# Scraped pages of seed 000 carry pinyin readings after each character: 當(dāng)前.
# Only lower-case Latin letters with tone marks, directly after a CJK character, so real
# parentheses such as (個人提案第20230456號) or (R&D) survive.
PINYIN_ANNOTATION = re.compile(r"(?<=[\u3400-\u9fff])[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüḿńňǹ]+[)）]")
_SPACES = re.compile(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def strip_pinyin(text: str) -> str:
    return PINYIN_ANNOTATION.sub("", text)


def normalize_spaces(text: str) -> str:
    """NBSP, full-width and zero-width spaces become plain spaces (zero-width: removed)."""
    text = text.replace("\u200b", "").replace("\ufeff", "")
    return _SPACES.sub(" ", text)


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def to_traditional(text: str) -> str:
    return _s2t().convert(text)


def normalize_for_matching(text: str) -> str:
    """NFKC + traditional→simplified + lower-case; whitespace kept (collapsed)."""
    text = unicodedata.normalize("NFKC", strip_pinyin(text))
    text = to_simplified(text).lower()
    return re.sub(r"\s+", " ", text).strip()


def compact(text: str) -> str:
    """Matching form with all whitespace removed, for substring comparisons."""
    return re.sub(r"\s+", "", normalize_for_matching(text))
