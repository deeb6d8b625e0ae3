"""Answers without a language model, answer first: the span that states the asked fact, then (for a
list or a multi-part question) the further clause sentences that answer the rest, quoted verbatim.

This is the fallback when a generated answer fails verification, and the `extractive` mode. Every
character of a quote is copied from a clause and every quote carries its clause's marker, so the answer
can state no figure the clause does not state. The lead span is chosen by the span model
(answering/spans.py) and followed by its source (document number or title and clause); an English
question gets an English first sentence that renders the span's figures (answering/english.py).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from qa_service.answering.citations import (
    char_bigrams,
    clean_span,
    quote_windows,
    sentence_spans,
)
from qa_service.answering.english import english_lead
from qa_service.answering.injection import injection_spans, mask_injections, overlaps_injection
from qa_service.answering.numbers import Figure, extract_figures
from qa_service.answering.question import (
    DATE_QUESTION,
    DURATION_QUESTION,
    PHRASINGS,
    QUANTITY_QUESTION,
    QUESTION_WORDS,
    analyse,
)
from qa_service.answering.spans import FURNITURE, HEADING, ranked_spans
from qa_service.ingest.normalize import compact
from qa_service.retrieval.query_expansion import expand_query

MAX_QUOTE_CHARS = 150  # longer clause sentences are narrowed to their best comma phrases

_FIGURE_BONUS = 0.25
_CONTEXT_WEIGHT = 0.3  # a sentence also inherits relevance from its clause (heading, neighbours)
_RANK_PRIOR = 0.3  # rank r adds _RANK_PRIOR / (r + 1): retrieval rank is the best single signal
_KEEP_RATIO = 0.75  # a further sentence must score at least this share of the best one
_KEEP_RATIO_MULTI = 0.5  # … or this share when the question asks for several things
_OTHER_CLAUSE_RATIO = 0.9  # … and one from a further clause this share (each clause cited costs precision)

_QUANTITY_KINDS = {"money", "percent", "percentage_point", "area", "people", "count", "measure", "plain"}
_DATE_KINDS = {"year", "date"}
_DURATION_KINDS = {"duration"}
_LIST_ITEM = re.compile(r"\s*(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.、．]|[①-⑳])")
MAX_LIST_ITEMS = 12
SUPPORT_MAX_CHARS = 120  # a longer sentence is not repeated after its span: the citation shows it
MAX_LIST_CHARS = 600


@dataclass(frozen=True)
class ExtractiveAnswer:
    text: str
    cited: list[int]  # 1-based clause numbers, in order of use
    quotes: dict[int, list[str]] = field(default_factory=dict)  # clause → its verbatim sentences used
    lead_score: float | None = None  # how sure the span model is that the lead answers (None: no model)


@dataclass(frozen=True)
class _Candidate:
    clause: int  # 0-based rank
    start: int
    end: int
    score: float
    overlap: float  # weighted share of the question's matchable bigrams the sentence contains


def _question_bigrams(question: str) -> frozenset[str]:
    """Bigrams of the question, its spelled-out abbreviations and policy phrasings, question words out."""
    phrasings = [phrasing for key, phrasing in PHRASINGS.items() if key in question]
    pieces = QUESTION_WORDS.split(" ".join([expand_query(question), *phrasings]))
    return frozenset().union(*(char_bigrams(piece) for piece in pieces if piece))


def _figure_bonus(question: str, figures: Sequence[Figure]) -> float:
    kinds = {figure.kind for figure in figures}
    asks_quantity = QUANTITY_QUESTION.search(question) and kinds & _QUANTITY_KINDS
    asks_date = DATE_QUESTION.search(question) and kinds & _DATE_KINDS
    asks_duration = DURATION_QUESTION.search(question) and kinds & _DURATION_KINDS
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
            heading = bool(HEADING.match(clause[span[0] : span[1]])) and cleaned[1] - cleaned[0] < 30
            if FURNITURE.search(clause[cleaned[0] : cleaned[1]]):
                continue  # an attachment list, a signature, a contact line: never an answer
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


def _list_items(clauses: Sequence[str], lead: tuple[int, int, int]) -> list[_Candidate]:
    """The enumerated items ((一)…, 1.…, ①…) of the lead's clause other than the lead, in order: a
    "which ones" question wants the whole list, not its best item."""
    clause = clauses[lead[0]]
    items = [
        _Candidate(lead[0], start, end, 0.0, 0.0)
        for rank, start, end, _ in _sentences([clause])
        if rank == 0 and _LIST_ITEM.match(clause, _item_start(clause, start))
    ]
    if len(items) < 2:
        return []
    rest = [c for c in items if not (c.start < lead[2] and lead[1] < c.end)]
    return rest[:MAX_LIST_ITEMS] if sum(c.end - c.start for c in rest) <= MAX_LIST_CHARS else []


def _item_start(clause: str, start: int) -> int:
    """Where the sentence begins before its label was trimmed (labels are cut from quotes)."""
    line_start = clause.rfind("\n", 0, start) + 1
    head = clause[line_start:start]
    return line_start if _LIST_ITEM.match(head + " ") else start


def extractive_answer(
    question: str,
    clauses: Sequence[str],
    *,
    max_sentences: int = 3,
    lang: str = "zh",
    labels: Sequence[str] = (),
    clause_scores: Sequence[float] = (),
    span_model: str = "",
    clause_answers: Sequence[bool | None] = (),
) -> ExtractiveAnswer:
    """Answer first: the sentence that best answers `question`, narrowed to the shortest verbatim span
    stating the asked fact and followed by its source (`labels[i]`: document and clause of clause i),
    then up to `max_sentences - 1` further sentences (other parts of a list or of a multi-part question),
    each verbatim with its marker. `clauses` are best first, clause i has marker [i+1].
    `clause_answers[i]`: whether the cross-encoder read clause i as answering (None: not read); a
    further clause it read as not answering is never quoted beside the best one."""
    analysis = analyse(question)
    multi = analysis.multi_part or analysis.asks_list
    keep = _KEEP_RATIO_MULTI if multi else _KEEP_RATIO
    other = _KEEP_RATIO_MULTI if multi else _OTHER_CLAUSE_RATIO
    candidates = [
        c
        for c in _candidates(question, clauses)
        if c.clause == 0 or c.clause >= len(clause_answers) or clause_answers[c.clause] is not False
    ]
    chosen = _select(candidates, clauses, max(1, max_sentences), keep, other)
    if not chosen:
        return ExtractiveAnswer("", [], {})
    ranked = ranked_spans(analysis, clauses, clause_scores, span_model)
    span = ranked[0] if ranked else None
    if span is not None:
        lead = (span.clause, span.start, span.end)
        # The rest must not repeat the lead's sentence.
        rest = [
            c
            for c in chosen
            if not (c.clause == span.clause and c.start < span.sentence_end and span.sentence_start < c.end)
        ]
    else:
        best = max(chosen, key=lambda c: (c.score, -c.clause, -c.start))
        lead = (best.clause, best.start, best.end)
        rest = [c for c in chosen if c is not best]
    if not multi:
        # One fact asked: the answer is its span, short; the citation carries the clause. (One more
        # sentence of the same clause: dev key facts +0.015, median answer 95 → 127 characters.)
        rest = []
    rest = rest[: max(0, max_sentences - 1)]
    items = _list_items(clauses, lead) if analysis.asks_list else []
    rest = items or rest
    parts = [(clauses[lead[0]][lead[1] : lead[2]], lead[0] + 1)]
    if span is not None and not rest and (span.start, span.end) != (span.sentence_start, span.sentence_end):
        # The supporting quote: the whole sentence the lead was cut from, with its conditions.
        sentence = clauses[span.clause][span.sentence_start : span.sentence_end]
        if len(sentence) <= SUPPORT_MAX_CHARS:
            parts.append((sentence, span.clause + 1))

    parts += [(clauses[c.clause][c.start : c.end], c.clause + 1) for c in rest]
    if items and _LIST_ITEM.match(clauses[lead[0]], _item_start(clauses[lead[0]], lead[1])):
        # The lead is one of the items: the list reads in the clause's own order.
        parts.sort(key=lambda part: clauses[lead[0]].find(part[0]))
    quotes: dict[int, list[str]] = {}
    for quote, marker in parts:
        quotes.setdefault(marker, []).append(quote)
    label = labels[lead[0]] if lead[0] < len(labels) else ""
    if lang == "en":
        first, marker = parts[0]
        source = f" ({label})" if label else ""
        body = f"{english_lead(first)}{source}: “{first}” [{marker}]."
        body += "".join(f" Also: “{quote}” [{m}]." for quote, m in parts[1:])
        text = body
    else:
        first, marker = parts[0]
        source = f"（{label}）" if label else ""
        # Every item of a list and every part of a multi-part question is the answer: one sentence of
        # them, each with its marker, so the first sentence holds all that was asked. A lone lead's
        # supporting sentence stays apart: it is the context, not the answer.
        joiner = "；" if rest else "。"
        text = (
            f"{first}{source}[{marker}]" + "".join(f"{joiner}{quote}[{m}]" for quote, m in parts[1:]) + "。"
        )
    return ExtractiveAnswer(text, list(quotes), quotes, span.score if span is not None else None)


__all__ = ["MAX_QUOTE_CHARS", "ExtractiveAnswer", "extractive_answer"]
