"""What a question asks for: its language and script, its content words, the kind of figure it wants.

Shared by the refusal gate (does the evidence mention what the question is about? does it state the
kind of figure asked for?) and the extractive answerer (which sentence answers it best?).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from qa_service.generation.citations import char_bigrams
from qa_service.generation.numbers import KINDS
from qa_service.ingest.normalize import to_simplified
from qa_service.retrieval.query_expansion import expand_query
from qa_service.retrieval.retriever import chinese_share

Language = Literal["zh", "en"]

QUESTION_WORDS = re.compile(
    r"多少|什么|哪些|哪个|哪里|哪天|哪年|怎么|怎样|如何|是否|能否|可以|请问|有没有|我们|我|吗|呢|吧|"
    r"\b(?:what|which|how|much|many|is|are|the|a|an|of|for|to|do|does|can|we|i|our|there)\b|[\s\W]+",
    re.I,
)

QUANTITY_KINDS = frozenset(KINDS) - {"year", "date"}  # every kind of figure but a point in time
# (pattern, figure kinds that answer it). Only narrow, unambiguous asks: a question that asks for a
# percentage is not answered by an amount, and one that asks for a day is not answered by a year.
_ASKS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (
        re.compile(r"比例|比率|百分之几|百分比|几个点|百分点|percentage|what percent|\bratio\b", re.I),
        frozenset({"percent", "percentage_point", "ratio"}),
    ),
    (
        re.compile(r"多少钱|多少资金|金额|奖金|多少万|多少元|how much money|\bRMB\b|\byuan\b", re.I),
        frozenset({"money"}),
    ),
    # "补多少" may be answered by an amount or by a rate.
    (
        re.compile(r"[补贴奖给拿]多少|how much (?:funding|subsidy|support)", re.I),
        frozenset({"money", "percent"}),
    ),
    (
        re.compile(
            r"几月|哪天|哪一天|几号|截止(?:时间|日期)|什么时候截止|deadline|what date|which day", re.I
        ),
        frozenset({"date"}),
    ),
    (
        re.compile(r"多少家|几家|多少个|几个(?!点|百分点)|多少项|多少人|how many", re.I),
        frozenset({"count", "people"}),
    ),
)
# Any other "多少" asks for some quantity: a sentence with no figure at all does not answer it.
_ANY_QUANTITY = re.compile(r"多少|几(?:成|倍|年|亩)|how much", re.I)
_YEAR = re.compile(r"(?<!\d)(20\d{2}|19\d{2})(?:\s*年|(?=\D|$))")


def detect_language(text: str) -> Language:
    """English when Latin letters outnumber Chinese characters ("What does 柳州工业贷 cover?" is English)."""
    return "en" if chinese_share(text) < 0.5 else "zh"


def is_traditional(text: str) -> bool:
    return to_simplified(text) != text


def content_bigrams(question: str, *, expand: bool = True) -> frozenset[str]:
    """Character bigrams of the question's content words (question words and punctuation removed);
    with `expand`, abbreviations are spelled out as retrieval does ("技改" → 技术改造)."""
    text = expand_query(question) if expand else question
    pieces = QUESTION_WORDS.split(text)
    return frozenset().union(*(char_bigrams(piece) for piece in pieces if piece))


def question_coverage(question: str, texts: Sequence[str]) -> float:
    """Share of the question's content bigrams that occur in `texts` (0.0 for a question without any)."""
    wanted = content_bigrams(question)
    if not wanted:
        return 0.0
    found = frozenset().union(*(char_bigrams(text) & wanted for text in texts))
    return len(found) / len(wanted)


@dataclass(frozen=True)
class FigureAsk:
    """The figure kinds that would answer the question; empty when it does not ask for a figure."""

    kinds: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.kinds)


def asked_figure(question: str) -> FigureAsk:
    """ "按什么比例" asks for a percentage, "多少钱" for an amount, "哪天截止" for a date, "多少家" for a
    count; a figure of any kind asked for answers the question."""
    kinds: set[str] = set()
    for pattern, answers in _ASKS:
        if pattern.search(question):
            kinds |= answers
    if not kinds and _ANY_QUANTITY.search(question):
        kinds |= QUANTITY_KINDS
    return FigureAsk(frozenset(kinds))


def asked_years(question: str) -> frozenset[str]:
    """Years the question is about ("2025年的目标"): an answer about another year does not answer it."""
    return frozenset(match[1] for match in _YEAR.finditer(question))


__all__ = [
    "QUANTITY_KINDS",
    "QUESTION_WORDS",
    "FigureAsk",
    "Language",
    "asked_figure",
    "asked_years",
    "content_bigrams",
    "detect_language",
    "is_traditional",
    "question_coverage",
]
