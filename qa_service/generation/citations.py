"""Citation markers in generated answers, and verification of an answer against its numbered clauses.

The small local model often cites the wrong clause, invents markers or changes a figure. Nothing it
writes reaches the user unchecked: every sentence must rest on a clause that was in the prompt, and
every figure in it must be stated by the clauses it cites. What cannot be verified is removed, and the
caller falls back to an extractive answer when a removal touched a figure.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from qa_service.generation.numbers import Figure, extract_figures, figure_supported, figures_agree
from qa_service.ingest.normalize import compact

# Below this share of a sentence's bigrams, a clause does not support the sentence.
MIN_OVERLAP = 0.3
# A figure-free sentence that does not reach MIN_OVERLAP with what it cites is re-cited to a clause that
# does, when that clause overlaps it at least this many times more.
RECITE_FACTOR = 2.0

_IDS = r"\d{1,3}(?:\s*[,，、;；\-–]\s*\d{1,3})*"
_NOT_DOC_NUMBER = r"(?!\s*\d+\s*号)"  # 柳政规[2025]3号 is a document number, not a citation
_MARKER_TEXT = rf"[ \t]*[\[［【]\s*{_IDS}\s*[\]］】]{_NOT_DOC_NUMBER}"
_MARKER = re.compile(rf"[ \t]*[\[［【]\s*(?P<ids>{_IDS})\s*[\]］】]{_NOT_DOC_NUMBER}")
_TERMINATORS = "。！？；!?…"
_CLOSERS = '”’"」』）)'
_TRAILING_MARKERS = re.compile(
    rf"^(?P<body>.*?)(?P<end>[{_TERMINATORS}.;]+)(?P<markers>(?:{_MARKER_TEXT})+)\s*$", re.S
)
_FULL_STOP = re.compile(rf"\.(?=(?:{_MARKER_TEXT})*(?:\s+[A-Z\u3400-\u9fff“\"(（]|\s*$))")
_LIST_NUMBER = re.compile(r"(?:^|[\s。；;:：])\d{1,2}$")  # "1. 对…" is a list label, not a sentence
_NON_WORD = re.compile(r"[\W_]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_SUB_SPAN_BREAK = re.compile(r"[，：、]|(?<!\d)[,:]|[,:](?!\d)")
_LEADING_LABEL = re.compile(
    r"^(?:\s|[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、．](?!\d)"
    r"|[\u2460-\u24ff\u2776-\u2793]|第[一二三四五六七八九十百零\d]+[条章节款]|[一二三四五六七八九十]是)+"
)
_TRAILING_PUNCTUATION = re.compile(rf"[\s{_TERMINATORS}.;，,：:、]+$")


@dataclass(frozen=True)
class RemovedSentence:
    text: str
    reason: str  # "unsupported_figure" | "no_supporting_clause"
    figures: tuple[str, ...] = ()  # the figures the sentence stated, as written


@dataclass
class VerifiedAnswer:
    text: str  # the sentences that survived, with normalised [n] markers
    cited: list[int]  # 1-based clause numbers, in order of first use
    removed: list[RemovedSentence]
    ok: bool  # False: nothing survived, or a sentence stating a figure was removed → fall back
    claims: dict[int, list[str]] = field(default_factory=dict)  # clause → the sentences citing it, unmarked


# --- markers -------------------------------------------------------------------------------------


def _marker_ids(raw: str) -> list[int]:
    ids: list[int] = []
    for part in re.split(r"\s*[,，、;；]\s*", raw):
        bounds = [int(bound) for bound in re.split(r"\s*[\-–]\s*", part)]
        if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= 20:
            ids.extend(range(bounds[0], bounds[1] + 1))  # [1-3]
        else:
            ids.extend(bounds)
    return ids


def _unique(numbers: Sequence[int]) -> list[int]:
    return list(dict.fromkeys(numbers))


def parse_citations(text: str) -> list[int]:
    """Clause numbers cited by [1], ［2］, 【3】, [1][3], [1,3], [1、3] or [1-3]; unique, in order of use."""
    return _unique([n for match in _MARKER.finditer(text) for n in _marker_ids(match["ids"])])


def strip_citations(text: str) -> str:
    return _MARKER.sub("", text).strip()


def _rewrite_markers(sentence: str, keep: set[int]) -> str:
    """Markers become [a][b] for the kept clause numbers; the others vanish; markers after the final
    full stop move before it ("…400万元。[1]" → "…400万元[1]。")."""

    def render(match: re.Match[str]) -> str:
        kept = "".join(f"[{n}]" for n in _unique(_marker_ids(match["ids"])) if n in keep)
        space = match.group()[: len(match.group()) - len(match.group().lstrip(" \t"))]
        return space + kept if kept else ""

    if trailing := _TRAILING_MARKERS.match(sentence):
        sentence = trailing["body"] + _MARKER.sub(render, trailing["markers"]) + trailing["end"]
    return _MARKER.sub(render, sentence).strip()


def _append_marker(sentence: str, number: int) -> str:
    body = sentence.rstrip()
    stripped = body.rstrip(_TERMINATORS + ".;")
    return f"{stripped}[{number}]{body[len(stripped) :]}"


# --- sentences -----------------------------------------------------------------------------------


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, whitespace trimmed; a sentence keeps its closing quotes and the
    citation markers that follow its full stop. "1.4亿" and "No. 3" are not sentence ends."""
    spans: list[tuple[int, int]] = []
    start = index = 0
    while index < len(text):
        char = text[index]
        is_end = char in _TERMINATORS or char == "\n" or (char == "." and _is_full_stop(text, index))
        if not is_end:
            index += 1
            continue
        end = index + 1
        while end < len(text) and text[end] in _TERMINATORS + _CLOSERS:
            end += 1
        while char != "\n" and (marker := _MARKER.match(text, end)):
            end = marker.end()
        spans.append((start, end))
        start = index = end
    spans.append((start, len(text)))
    return [trimmed for span in spans if (trimmed := _trim(text, *span))]


def _is_full_stop(text: str, index: int) -> bool:
    return bool(_FULL_STOP.match(text, index)) and not _LIST_NUMBER.search(text, 0, index)


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def split_sentences(text: str) -> list[str]:
    """Chinese and English sentences, each with its citation markers."""
    return [text[start:end] for start, end in sentence_spans(text)]


# --- overlap -------------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def char_bigrams(text: str) -> frozenset[str]:
    """Character bigrams of the matching form (NFKC, simplified, lower-case), punctuation and markers
    removed; a one-character text yields that character."""
    chars = _NON_WORD.sub("", compact(strip_citations(text)))
    if len(chars) < 2:
        return frozenset(chars)
    return frozenset(chars[i : i + 2] for i in range(len(chars) - 1))


def bigram_overlap(sentence: str | frozenset[str], clause: str | frozenset[str]) -> float:
    """Share of the sentence's bigrams that occur in the clause (0.0 for an empty sentence)."""
    mine = char_bigrams(sentence) if isinstance(sentence, str) else sentence
    theirs = char_bigrams(clause) if isinstance(clause, str) else clause
    return len(mine & theirs) / len(mine) if mine else 0.0


def _mostly_chinese(text: str) -> bool:
    chinese, latin = len(_CJK.findall(text)), len(_LATIN.findall(text))
    return chinese >= latin and chinese > 0


# --- verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    text: str | None  # the rewritten sentence, None when removed
    cites: tuple[int, ...] = ()
    removed: RemovedSentence | None = None


def _best_clause(
    body: str, figures: Sequence[Figure], clauses: Sequence[str], exclude: Sequence[int] = ()
) -> int | None:
    """1-based number of the clause that supports all figures and overlaps most, if meaningfully."""
    best, best_overlap = None, MIN_OVERLAP
    for number, clause in enumerate(clauses, start=1):
        if number in exclude or not all(figure_supported(f, [clause]) for f in figures):
            continue
        overlap = bigram_overlap(body, clause)
        if overlap >= best_overlap and (best is None or overlap > best_overlap):
            best, best_overlap = number, overlap
    return best


def _verify_cited(
    sentence: str, body: str, figures: list[Figure], valid: list[int], clauses: Sequence[str]
) -> _Outcome:
    cited_texts = [clauses[n - 1] for n in valid]
    if not all(figure_supported(f, cited_texts) for f in figures):
        removed = RemovedSentence(sentence, "unsupported_figure", tuple(f.text for f in figures))
        return _Outcome(None, removed=removed)
    cited_overlap = bigram_overlap(body, "\n".join(cited_texts))
    if not figures and _mostly_chinese(body) and cited_overlap < MIN_OVERLAP:
        # The small model often cites [1] for everything; if another clause clearly says it, cite that one.
        better = _best_clause(body, figures, clauses, exclude=valid)
        if better is not None and bigram_overlap(body, clauses[better - 1]) >= RECITE_FACTOR * cited_overlap:
            return _Outcome(_append_marker(_rewrite_markers(sentence, set()), better), (better,))
    return _Outcome(_rewrite_markers(sentence, set(valid)), tuple(valid))


def _verify_uncited(sentence: str, body: str, figures: list[Figure], clauses: Sequence[str]) -> _Outcome:
    best = _best_clause(body, figures, clauses)
    if best is None:
        unsupported = figures and not any(all(figure_supported(f, [c]) for f in figures) for c in clauses)
        reason = "unsupported_figure" if unsupported else "no_supporting_clause"
        return _Outcome(None, removed=RemovedSentence(sentence, reason, tuple(f.text for f in figures)))
    return _Outcome(_append_marker(_rewrite_markers(sentence, set()), best), (best,))


def _verify_sentence(sentence: str, clauses: Sequence[str]) -> _Outcome | None:
    body = strip_citations(sentence)
    if not _NON_WORD.sub("", body):
        return None  # a stray marker or punctuation: nothing to keep or to report
    figures = extract_figures(body)
    valid = [n for n in parse_citations(sentence) if 1 <= n <= len(clauses)]
    if valid:
        return _verify_cited(sentence, body, figures, valid, clauses)
    return _verify_uncited(sentence, body, figures, clauses)


def verify_answer(answer: str, clauses: Sequence[str]) -> VerifiedAnswer:
    """Keep the sentences of `answer` that its clauses support; `clauses[i]` is clause [i+1].

    Markers outside 1..len(clauses) are dropped; a sentence whose figures are not all stated by the
    clauses it cites is removed; an uncited sentence gets the clause that overlaps it most (and states
    its figures) attached, or is removed when no clause reaches MIN_OVERLAP.
    """
    spans = sentence_spans(answer)
    pieces: list[str] = []
    removed: list[RemovedSentence] = []
    claims: dict[int, list[str]] = {}
    for index, (start, end) in enumerate(spans):
        outcome = _verify_sentence(answer[start:end], clauses)
        if outcome is None:
            continue
        if outcome.text is None:
            removed.extend([outcome.removed] if outcome.removed else [])
            continue
        gap = answer[end : spans[index + 1][0]] if index + 1 < len(spans) else ""
        pieces.append(outcome.text + ("\n" if "\n" in gap else " " if gap else ""))
        for number in outcome.cites:
            claims.setdefault(number, []).append(strip_citations(outcome.text))
    text = "".join(pieces).strip()
    ok = bool(text) and not any(r.figures for r in removed)
    return VerifiedAnswer(text, parse_citations(text), removed, ok, claims)


# --- quotes --------------------------------------------------------------------------------------


def clean_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Trim whitespace, a leading clause label ("（二）", "1.") and trailing punctuation."""
    segment = text[start:end]
    if label := _LEADING_LABEL.match(segment):
        start += label.end()
    segment = text[start:end]
    if tail := _TRAILING_PUNCTUATION.search(segment):
        end = start + tail.start()
    return _trim(text, start, end)


def _sub_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = [start] + [m.end() for m in _SUB_SPAN_BREAK.finditer(text, start, end)] + [end]
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def quote_windows(text: str) -> list[tuple[int, int]]:
    """Candidate quotes of `text` as (start, end): each sentence and each run of consecutive comma
    phrases inside it, labels and end punctuation trimmed, so every candidate is a verbatim substring."""
    windows: dict[tuple[int, int], None] = {}
    for start, end in sentence_spans(text):
        parts = _sub_spans(text, start, end)
        for i in range(len(parts)):
            for j in range(i, len(parts)):
                if cleaned := clean_span(text, parts[i][0], parts[j][1]):
                    windows[cleaned] = None
    return list(windows)


def _figure_share(
    figures: Sequence[Figure], window: tuple[int, int], clause_figures: Sequence[Figure]
) -> float:
    if not figures:
        return 0.0
    inside = [f for f in clause_figures if window[0] <= f.start and f.end <= window[1]]
    return sum(any(figures_agree(f, g) for g in inside) for f in figures) / len(figures)


def best_quote(sentence: str, clause: str) -> str:
    """The verbatim span of `clause` that best supports `sentence` (for highlighting): the clause
    sentence or comma phrase run with the highest bigram overlap plus share of the sentence's figures
    it states; the shortest such span wins ties."""
    windows = quote_windows(clause)
    if not windows:
        return clause.strip()
    target = char_bigrams(sentence)
    figures = extract_figures(strip_citations(sentence))
    clause_figures = extract_figures(clause)

    def score(window: tuple[int, int]) -> tuple[float, int]:
        start, end = window
        support = bigram_overlap(target, clause[start:end]) + _figure_share(figures, window, clause_figures)
        return round(support, 6), -(end - start)

    start, end = max(windows, key=score)
    return clause[start:end]


__all__ = [
    "MIN_OVERLAP",
    "RECITE_FACTOR",
    "RemovedSentence",
    "VerifiedAnswer",
    "best_quote",
    "bigram_overlap",
    "char_bigrams",
    "clean_span",
    "parse_citations",
    "quote_windows",
    "sentence_spans",
    "split_sentences",
    "strip_citations",
    "verify_answer",
]
