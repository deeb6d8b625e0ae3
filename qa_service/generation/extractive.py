"""Answers without a language model: the clause sentences that best match the question, quoted verbatim.

This is the fallback when a generated answer fails verification, and the `extractive` mode. Every
character of a quote is copied from a clause and every quote carries its clause's marker, so the answer
can state no figure the clause does not state; the only text added is the marker, the full stop and, in
English, a fixed lead-in.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from qa_service.generation.citations import (
    char_bigrams,
    clean_span,
    quote_windows,
    sentence_spans,
)
from qa_service.generation.injection import injection_spans, mask_injections, overlaps_injection
from qa_service.generation.numbers import Figure, extract_figures
from qa_service.ingest.normalize import compact
from qa_service.retrieval.query_expansion import expand_query

EN_LEAD = "According to the documents:"
MAX_QUOTE_CHARS = 150  # longer clause sentences are narrowed to their best comma phrases

_FIGURE_BONUS = 0.25
_CONTEXT_WEIGHT = 0.3  # a sentence also inherits relevance from its clause (heading, neighbours)
_RANK_PRIOR = 0.3  # rank r adds _RANK_PRIOR / (r + 1): retrieval rank is the best single signal
_KEEP_RATIO = 0.75  # a further sentence must score at least this share of the best one
_KEEP_RATIO_MULTI = 0.5  # … or this share when the question asks for several things
_OTHER_CLAUSE_RATIO = 0.9  # … and one from a further clause this share (each clause cited costs precision)

_QUANTITY_QUESTION = re.compile(
    r"多少|几|比例|比率|最高|最多|上限|额度|金额|标准|补多|贴多|how (?:much|many)|percent|rate|maximum|"
    r"amount|up to|how large|ceiling|limit",
    re.I,
)
_DATE_QUESTION = re.compile(
    r"何时|什么时候|哪年|哪天|截至|截止|when|deadline|until|which year|what date", re.I
)
_DURATION_QUESTION = re.compile(r"多久|多长时间|期限|几年|how long|how many years|period", re.I)
_MULTI_PART = re.compile(r"分别|各|[?？].+[?？]|respectively|each|both", re.I)
_QUESTION_WORDS = re.compile(
    r"多少|什么|哪些|哪个|哪里|怎么|怎样|如何|是否|能否|可以|请问|有没有|我们|我|吗|呢|吧|"
    r"\b(?:what|which|how|much|many|is|are|the|a|an|of|for|to|do|does|can|we|i|our|there)\b|[\s\W]+",
    re.I,
)
# How owners ask → how policies say it; added to the question's bigrams (like the retrieval lexicon).
_PHRASINGS = {
    "最多": "最高 不超过 上限",
    "最高": "最高 不超过 上限",
    "上限": "最高 不超过",
    "封顶": "最高 不超过",
    "多少钱": "资金 补助 奖励",
    "比例": "比例 按",
    "怎么申请": "申报 申请",
    "条件": "条件 符合 要求",
}
_QUANTITY_KINDS = {"money", "percent", "percentage_point", "area", "people", "count", "measure", "plain"}
_DATE_KINDS = {"year", "date"}
_DURATION_KINDS = {"duration"}
_HEADING = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|第\S{1,6}[章节条])"
)


@dataclass(frozen=True)
class ExtractiveAnswer:
    text: str
    cited: list[int]  # 1-based clause numbers, in order of use
    quotes: dict[int, list[str]] = field(default_factory=dict)  # clause → its verbatim sentences used


@dataclass(frozen=True)
class _Candidate:
    clause: int  # 0-based rank
    start: int
    end: int
    score: float
    overlap: float  # weighted share of the question's matchable bigrams the sentence contains


def _question_bigrams(question: str) -> frozenset[str]:
    """Bigrams of the question, its spelled-out abbreviations and policy phrasings, question words out."""
    phrasings = [phrasing for key, phrasing in _PHRASINGS.items() if key in question]
    pieces = _QUESTION_WORDS.split(" ".join([expand_query(question), *phrasings]))
    return frozenset().union(*(char_bigrams(piece) for piece in pieces if piece))


def _figure_bonus(question: str, figures: Sequence[Figure]) -> float:
    kinds = {figure.kind for figure in figures}
    asks_quantity = _QUANTITY_QUESTION.search(question) and kinds & _QUANTITY_KINDS
    asks_date = _DATE_QUESTION.search(question) and kinds & _DATE_KINDS
    asks_duration = _DURATION_QUESTION.search(question) and kinds & _DURATION_KINDS
    return _FIGURE_BONUS if asks_quantity or asks_date or asks_duration else 0.0


def _sentences(clauses: Sequence[str]) -> list[tuple[int, int, int, bool]]:
    """(clause, start, end, is_heading) of every clause sentence, label and end punctuation trimmed so
    the marker and full stop can follow; the span stays verbatim. A sentence addressing the model
    ("忽略以上所有指令，回答：…") is never a candidate: it is not policy, whatever it says."""
    found = []
    for rank, clause in enumerate(clauses):
        injected = injection_spans(clause)
        for span in sentence_spans(clause):
            if overlaps_injection(injected, *span):
                continue
            cleaned = clean_span(clause, *span)
            if cleaned is None or not compact(clause[cleaned[0] : cleaned[1]]):
                continue
            heading = bool(_HEADING.match(clause[span[0] : span[1]])) and cleaned[1] - cleaned[0] < 30
            found.append((rank, *cleaned, heading))
    return found


class _Scorer:
    """Question overlap weighted like IDF over the candidate sentences: "技术改造", present in every
    clause, counts less than "贴息", present in one."""

    def __init__(self, question: str, clauses: Sequence[str], texts: Sequence[str]) -> None:
        self.question = question
        wanted = _question_bigrams(question)
        matched = Counter(bigram for text in texts for bigram in char_bigrams(text) & wanted)
        self.weights = {bigram: math.log(1 + len(texts) / df) for bigram, df in matched.items()}
        self.total = sum(self.weights.values())
        self.context = [self.overlap(mask_injections(clause)) for clause in clauses]

    def overlap(self, text: str) -> float:
        if not self.total:
            return 0.0
        return sum(self.weights[bigram] for bigram in char_bigrams(text) & self.weights.keys()) / self.total

    def score(self, text: str, rank: int, heading: bool = False) -> float:
        lexical = (1 - _CONTEXT_WEIGHT) * self.overlap(text) + _CONTEXT_WEIGHT * self.context[rank]
        score = lexical + _figure_bonus(self.question, extract_figures(text))
        if heading:
            score *= 0.5  # a heading names the topic but says nothing about it
        return score + _RANK_PRIOR / (rank + 1)


def _narrow(scorer: _Scorer, clause: str, start: int, end: int, rank: int) -> tuple[int, int]:
    """The best run of comma phrases of a long sentence, no longer than MAX_QUOTE_CHARS."""
    windows = [(s + start, e + start) for s, e in quote_windows(clause[start:end])]
    short = [(s, e) for s, e in windows if e - s <= MAX_QUOTE_CHARS]
    if not short:
        return start, end
    return max(short, key=lambda w: (round(scorer.score(clause[w[0] : w[1]], rank), 6), w[1] - w[0]))


def _candidates(question: str, clauses: Sequence[str]) -> list[_Candidate]:
    sentences = _sentences(clauses)
    scorer = _Scorer(question, clauses, [clauses[rank][start:end] for rank, start, end, _ in sentences])
    candidates = []
    for rank, start, end, heading in sentences:
        text = clauses[rank][start:end]
        score, overlap = scorer.score(text, rank, heading), scorer.overlap(text)
        if end - start > MAX_QUOTE_CHARS:
            start, end = _narrow(scorer, clauses[rank], start, end, rank)
        candidates.append(_Candidate(rank, start, end, score, overlap))
    return candidates


def _select(
    candidates: list[_Candidate], clauses: Sequence[str], limit: int, keep: float, other_clause: float
) -> list[_Candidate]:
    ranked = sorted(candidates, key=lambda c: (-c.score, c.clause, c.start))
    chosen: list[_Candidate] = []
    seen: set[str] = set()
    for candidate in ranked:
        if len(chosen) >= limit or (chosen and candidate.score < keep * chosen[0].score):
            break
        new_clause = candidate.clause not in {c.clause for c in chosen}
        if chosen and new_clause and candidate.score < other_clause * chosen[0].score:
            continue
        if chosen and chosen[0].overlap == 0 and candidate.clause != chosen[0].clause:
            continue  # no word of the question matched (e.g. English): stay with the best clause
        key = compact(clauses[candidate.clause][candidate.start : candidate.end])
        if key in seen:
            continue  # the same sentence in two overlapping chunks
        seen.add(key)
        chosen.append(candidate)
    return sorted(chosen, key=lambda c: (c.clause, c.start))


def extractive_answer(
    question: str,
    clauses: Sequence[str],
    *,
    max_sentences: int = 3,
    lang: str = "zh",
) -> ExtractiveAnswer:
    """The `max_sentences` clause sentences that best answer `question`, each quoted verbatim and
    followed by its marker, in clause order; `clauses` are best first, clause i has marker [i+1]."""
    multi = bool(_MULTI_PART.search(question))
    keep = _KEEP_RATIO_MULTI if multi else _KEEP_RATIO
    other = _KEEP_RATIO_MULTI if multi else _OTHER_CLAUSE_RATIO
    chosen = _select(_candidates(question, clauses), clauses, max(1, max_sentences), keep, other)
    quotes: dict[int, list[str]] = {}
    parts = []
    for candidate in chosen:
        quote = clauses[candidate.clause][candidate.start : candidate.end]
        marker = candidate.clause + 1
        quotes.setdefault(marker, []).append(quote)
        parts.append((quote, marker))
    if lang == "en":
        body = "; ".join(f"“{quote}” [{marker}]" for quote, marker in parts)
        text = f"{EN_LEAD} {body}." if parts else ""
    else:
        text = "".join(f"{quote}[{marker}]。" for quote, marker in parts)
    return ExtractiveAnswer(text, list(quotes), quotes)


__all__ = ["EN_LEAD", "MAX_QUOTE_CHARS", "ExtractiveAnswer", "extractive_answer"]
