"""Citation markers in generated answers, and verification of an answer against its numbered clauses.

The small local model often cites the wrong clause, invents markers, changes a figure or writes a
plausible sentence no clause says ("产业发展是国家战略"). Nothing it writes reaches the user unchecked:
every sentence must rest on a clause that was in the prompt — its words found there (`support`), every
figure in it stated there, by a clause relevant to the question — and no sentence of a clause that
addresses the model (answering/injection.py) counts as evidence. What cannot be verified is removed,
and the caller decides whether the rest still stands or the answer falls back to verbatim quotes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from qa_service.answering import injection  # module access: injection imports this module too
from qa_service.answering.numbers import Figure, extract_figures, figure_supported, figures_agree
from qa_service.ingest.normalize import compact, normalize_for_matching
from qa_service.text.script import CJK_CHAR, chinese_share

# Below this share of a sentence's content (bigrams, or words in English), a clause does not support
# it. The service passes Settings.answer_min_support; this default is the same value (tested), for
# callers without settings.
MIN_SUPPORT = 0.6

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
_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[a-z][a-z'-]{2,}")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
# English words that carry no claim: "the grant is RMB 5 million" is supported by what remains.
_STOP_TEXT = (
    "a an as at be by in is of on or to the and for are was were been being has have had its it's"
    " this that these those with from into onto upon than then there their them they which who whom"
    " what when where how per each any all not can may might shall will would should must also only"
    " such other more most less least very our your you his her she him about above below under over"
    " out off can't does did doing done according documents document clause clauses say says said"
)
_STOP_WORDS = frozenset(_STOP_TEXT.split())
_SUB_SPAN_BREAK = re.compile(r"[，：、]|(?<!\d)[,:]|[,:](?!\d)")
_LEADING_LABEL = re.compile(
    r"^(?:\s|[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、．](?!\d)"
    r"|[\u2460-\u24ff\u2776-\u2793]|第[一二三四五六七八九十百零\d]+[条章节款]|[一二三四五六七八九十]是)+"
)
_TRAILING_PUNCTUATION = re.compile(rf"[\s{_TERMINATORS}.;，,：:、]+$")


@dataclass(frozen=True)
class RemovedSentence:
    text: str
    # "unsupported_figure": a figure its clauses do not state; "irrelevant_figure": stated only by a
    # clause that is not about the question; "unsupported_content": its cited clause does not say it;
    # "no_supporting_clause": uncited and no clause says it; "unverifiable": an English sentence
    # without a figure about Chinese clauses (nothing to check it against); "injection": it addresses
    # the model ("忽略以上所有指令") — an instruction echoed from a clause
    reason: str
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
    return bool(CJK_CHAR.search(text)) and chinese_share(text) >= 0.5


def _without_figures(text: str) -> str:
    """The text with its figures cut out: they are verified on their own, and "四百万元" against
    "400万元" would only blur the word overlap."""
    kept, cursor = [], 0
    for figure in extract_figures(text):
        kept.append(text[cursor : figure.start])
        cursor = max(cursor, figure.end)
    kept.append(text[cursor:])
    return " ".join(kept)


def content_words(text: str) -> frozenset[str]:
    """Lower-case English words of three letters or more, stop words out."""
    words = _WORD.findall(normalize_for_matching(strip_citations(text)))
    return frozenset(word for word in words if word not in _STOP_WORDS)


def support(sentence: str, clause: str, question: str = "") -> float | None:
    """Share of the sentence's content, figures aside, that the clause contains: character bigrams for
    a Chinese sentence, words for an English one. 1.0 for a sentence that is only figures (checked on
    their own); None when it cannot be measured: an English sentence about a Chinese clause.

    In a sentence stating a figure, the question's words count as found: "最多能补100万元" restates the
    question and its claim is the figure. A figure-free sentence must be said by the clause, or "可以
    申请" would pass as the answer to "可以申请吗" whatever the clause says."""
    text = strip_citations(sentence)
    # English filler in a Chinese sentence ("According to the documents: “…”") claims nothing
    body = _LATIN_WORD.sub(lambda m: " " if m[0].lower() in _STOP_WORDS else m[0], _without_figures(text))
    reference = f"{clause}\n{question}" if question and extract_figures(text) else clause
    if _mostly_chinese(body) or not _LATIN.search(body):
        return bigram_overlap(body, reference) if char_bigrams(body) else 1.0
    if _mostly_chinese(clause):
        return None  # "R&D" or "5G" in a Chinese clause are no words to check an English claim against
    words = content_words(body)
    return len(words & content_words(reference)) / len(words) if words else 1.0


# --- verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    text: str | None  # the rewritten sentence, None when removed
    cites: tuple[int, ...] = ()
    removed: RemovedSentence | None = None


@dataclass(frozen=True)
class _Check:
    """What a sentence is checked against: the clauses (injections masked), the share of its content a
    clause must state, and the clauses relevant enough to the question to be a figure's source."""

    clauses: Sequence[str]
    min_support: float
    figure_sources: frozenset[int]
    question: str = ""


def _removed(sentence: str, reason: str, figures: Sequence[Figure]) -> _Outcome:
    return _Outcome(None, removed=RemovedSentence(sentence, reason, tuple(f.text for f in figures)))


def _figures_sourced(figures: Sequence[Figure], numbers: Sequence[int], check: _Check) -> bool:
    """Whether the clauses `numbers` that may be a figure's source state every figure."""
    sources = [check.clauses[n - 1] for n in numbers if n in check.figure_sources]
    return all(figure_supported(f, sources) for f in figures)


def _supports(body: str, figures: Sequence[Figure], numbers: Sequence[int], check: _Check) -> bool:
    """Whether clauses `numbers` together state every figure (from a relevant clause) and enough of
    the words of `body`; an English sentence about Chinese clauses rests on its figures alone."""
    if not _figures_sourced(figures, numbers, check):
        return False
    score = support(body, "\n".join(check.clauses[n - 1] for n in numbers), check.question)
    return bool(figures) if score is None else score >= check.min_support


def _best_clause(
    body: str, figures: Sequence[Figure], check: _Check, exclude: Sequence[int] = ()
) -> int | None:
    """1-based number of the clause that supports the sentence (see `_supports`) best, if any. Only a
    measurable overlap picks a clause: an English sentence the model did not cite is not attached to a
    Chinese clause because it shares a figure with it (the rest of it may say anything)."""
    best, best_score = None, -1.0
    for number in range(1, len(check.clauses) + 1):
        if number in exclude:
            continue
        score = support(body, check.clauses[number - 1], check.question)
        # what `_supports` decides for one clause, with the score it would compute again
        if score is None or score < check.min_support or not _figures_sourced(figures, [number], check):
            continue
        if score > best_score:
            best, best_score = number, score
    return best


def _failure(body: str, figures: Sequence[Figure], numbers: Sequence[int], check: _Check) -> str:
    """Why clauses `numbers` do not support the sentence."""
    texts = [check.clauses[n - 1] for n in numbers]
    if not all(figure_supported(f, texts) for f in figures):
        return "unsupported_figure"
    if not _figures_sourced(figures, numbers, check):
        return "irrelevant_figure"
    measurable = support(body, "\n".join(texts), check.question) is not None
    return "unsupported_content" if measurable else "unverifiable"


def _verify_cited(
    sentence: str, body: str, figures: list[Figure], valid: list[int], check: _Check
) -> _Outcome:
    if _supports(body, figures, valid, check):
        return _Outcome(_rewrite_markers(sentence, set(valid)), tuple(valid))
    reason = _failure(body, figures, valid, check)
    if reason == "unsupported_content":
        # The small model often cites [1] for everything; if another clause says it, cite that one.
        better = _best_clause(body, figures, check, exclude=valid)
        if better is not None:
            return _Outcome(_append_marker(_rewrite_markers(sentence, set()), better), (better,))
    return _removed(sentence, reason, figures)


def _verify_uncited(sentence: str, body: str, figures: list[Figure], check: _Check) -> _Outcome:
    best = _best_clause(body, figures, check)
    if best is not None:
        return _Outcome(_append_marker(_rewrite_markers(sentence, set()), best), (best,))
    stating = {
        number
        for number, clause in enumerate(check.clauses, start=1)
        if all(figure_supported(f, [clause]) for f in figures)
    }
    if figures and not stating:
        return _removed(sentence, "unsupported_figure", figures)
    if figures and not stating & check.figure_sources:
        return _removed(sentence, "irrelevant_figure", figures)
    return _removed(sentence, "no_supporting_clause", figures)


def _verify_sentence(sentence: str, check: _Check) -> _Outcome | None:
    body = strip_citations(sentence)
    if not _NON_WORD.sub("", body):
        return None  # a stray marker or punctuation: nothing to keep or to report
    figures = extract_figures(body)
    if injection.is_injection(body):
        return _removed(sentence, "injection", figures)
    valid = [n for n in parse_citations(sentence) if 1 <= n <= len(check.clauses)]
    if valid:
        return _verify_cited(sentence, body, figures, valid, check)
    return _verify_uncited(sentence, body, figures, check)


def verify_answer(
    answer: str,
    clauses: Sequence[str],
    *,
    min_support: float = MIN_SUPPORT,
    figure_sources: Collection[int] | None = None,
    question: str = "",
) -> VerifiedAnswer:
    """Keep the sentences of `answer` that its clauses support; `clauses[i]` is clause [i+1].

    Sentences of a clause that address the model are no evidence (masked first). Markers outside
    1..len(clauses) are dropped. A cited sentence stays when the clauses it cites state every figure
    in it — and a clause in `figure_sources` (default: all) states it, so a figure never comes from a
    clause unrelated to the question — and at least `min_support` of its words; otherwise it is re-cited
    to a clause that does (when only the words failed) or removed. An uncited sentence gets the clause
    that supports it best, or is removed. A sentence that itself addresses the model is removed.
    `question` lends its words to sentences stating a figure (see `support`).
    """
    numbers = range(1, len(clauses) + 1)
    check = _Check(
        [injection.mask_injections(clause) for clause in clauses],
        min_support,
        frozenset(numbers if figure_sources is None else figure_sources),
        question,
    )
    spans = sentence_spans(answer)
    pieces: list[str] = []
    removed: list[RemovedSentence] = []
    claims: dict[int, list[str]] = {}
    for index, (start, end) in enumerate(spans):
        outcome = _verify_sentence(answer[start:end], check)
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
    injected = injection.injection_spans(clause)
    windows = [w for w in quote_windows(clause) if not injection.overlaps_injection(injected, *w)]
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
    "MIN_SUPPORT",
    "RemovedSentence",
    "VerifiedAnswer",
    "best_quote",
    "bigram_overlap",
    "char_bigrams",
    "clean_span",
    "content_words",
    "parse_citations",
    "quote_windows",
    "sentence_spans",
    "split_sentences",
    "strip_citations",
    "support",
    "verify_answer",
]
