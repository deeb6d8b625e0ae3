"""Which verbatim span answers: the learned choice of the answer's first sentence.

Every run of comma phrases inside the sentences of the best clauses is a candidate ("单个项目最高补助
400万元", "按不超过…的15%予以资金补助,单个项目最高补助400万元", the whole sentence …). A LambdaMART
model over their features — how much of the question each holds (IDF-weighted over the candidates),
whether it states the kind of figure asked for and a limit word when a limit is asked, its length,
its clause's rank and reranker score — picks the one to lead with. It is trained on the train split
(`qa train spans`): a span that holds every key fact of a gold answer, briefly, is the best.
"""

from __future__ import annotations

import importlib.resources
import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa_service.answering.citations import char_bigrams, clean_span, sentence_spans
from qa_service.answering.injection import injection_spans, overlaps_injection
from qa_service.answering.numbers import extract_figures
from qa_service.answering.question import QUESTION_WORDS, QuestionAnalysis
from qa_service.ingest.normalize import compact, to_simplified

MAX_SPAN_CHARS = 200
# The best clause only: free to lead from any of the top 5, the model found the gold clause less often
# than the ranking's first place did (dev).
MAX_CLAUSES = 1
_PHRASE_BREAK = re.compile(r"[，,；;：:]")
_LIMIT_ASK = re.compile(
    r"最多|最高|上限|封顶|至多|最长|最短|至少|最少|多少|多久|几|"
    r"how (?:much|many|long)|maximum|minimum|at most|at least|up to",
    re.I,
)
_LIMIT_WORD = re.compile(r"最高|最多|不超过|不得超过|不高于|以下|以内|不低于|不少于|至少|以上|上限|最长|最短")
_TIME_ASK = re.compile(
    r"多久|多长时间|几天|几个月|几年|期限|时限|什么时候|何时|多快|when|how long|deadline|within", re.I
)
_TIME_KINDS = frozenset({"duration", "date", "year"})
FURNITURE = re.compile(
    r"^\s*附件[:：\d一二三四五]|联系人[:：]|联系电话|电话[:：]\s*\d|抄送[:：]|印发$|"
    r"^\s*(?:19|20)\d{2}年\d{1,2}月\d{1,2}日\s*$|\.(?:docx?|pdf|xlsx?|wps)\b",
    re.I,
)
HEADING = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|第\S{1,6}[章节条])"
)

SPAN_FEATURES = (
    "clause_rank",
    "clause_score_gap",
    "overlap",
    "overlap_plain",
    "sentence_overlap",
    "clause_overlap",
    "asks_figure",
    "figure_match",
    "figures",
    "sentence_figures_share",
    "limit_match",
    "time_match",
    "chars_log",
    "phrases",
    "whole_sentence",
    "starts_sentence",
    "ends_sentence",
    "sentence_position",
    "heading",
    "asks_list",
    "multi_part",
    "english",
)


@dataclass(frozen=True)
class Span:
    clause: int  # 0-based rank of its clause
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    sentence_index: int
    sentences: int  # sentences in its clause
    heading: bool
    score: float = 0.0  # the span model's score, once scored


def _question_bigrams(analysis: QuestionAnalysis) -> frozenset[str]:
    pieces = QUESTION_WORDS.split(to_simplified(analysis.text))
    return analysis.bigrams | frozenset().union(*(char_bigrams(piece) for piece in pieces if piece))


def span_candidates(clauses: Sequence[str]) -> list[Span]:
    """Every run of comma phrases (≤ MAX_SPAN_CHARS) of every sentence of the best clauses, page
    furniture and sentences that address the model left out."""
    spans = []
    for rank, clause in enumerate(clauses[:MAX_CLAUSES]):
        injected = injection_spans(clause)
        sentences = [s for s in sentence_spans(clause) if not overlaps_injection(injected, *s)]
        for index, (start, end) in enumerate(sentences):
            cleaned = clean_span(clause, start, end)
            if cleaned is None or not compact(clause[cleaned[0] : cleaned[1]]):
                continue
            if FURNITURE.search(clause[cleaned[0] : cleaned[1]]):
                continue
            s_start, s_end = cleaned
            heading = bool(HEADING.match(clause[start:end])) and s_end - s_start < 30
            cuts = [s_start] + [m.end() for m in _PHRASE_BREAK.finditer(clause, s_start, s_end)] + [s_end]
            bounds = [(a, b) for a, b in itertools.pairwise(cuts) if b > a]
            seen = set()
            for i in range(len(bounds)):
                for j in range(i, len(bounds)):
                    window = clean_span(clause, bounds[i][0], bounds[j][1])
                    if window is None or window in seen or window[1] - window[0] > MAX_SPAN_CHARS:
                        continue
                    if window[1] - window[0] < 4:
                        continue
                    seen.add(window)
                    spans.append(Span(rank, *window, s_start, s_end, index, len(sentences), heading))
    return spans


def span_features(
    analysis: QuestionAnalysis,
    clauses: Sequence[str],
    spans: Sequence[Span],
    clause_scores: Sequence[float] = (),
) -> np.ndarray:
    """One row of SPAN_FEATURES per span."""
    if not spans:
        return np.zeros((0, len(SPAN_FEATURES)), dtype=np.float32)
    wanted = _question_bigrams(analysis)
    texts = [to_simplified(clauses[s.clause][s.start : s.end]) for s in spans]
    sentence_texts = {
        (s.clause, s.sentence_start): to_simplified(clauses[s.clause][s.sentence_start : s.sentence_end])
        for s in spans
    }
    units = list(sentence_texts.values())
    frequency = Counter(b for text in units for b in char_bigrams(text) & wanted)
    weights = {b: math.log(1 + len(units) / count) for b, count in frequency.items()}
    total = sum(weights.values()) or 1.0

    def overlap(text: str) -> float:
        return sum(weights[b] for b in char_bigrams(text) & weights.keys()) / total

    clause_overlap = [overlap(to_simplified(clause)) for clause in clauses[:MAX_CLAUSES]]
    sentence_overlap = {key: overlap(text) for key, text in sentence_texts.items()}
    sentence_figures = {key: len(extract_figures(text)) for key, text in sentence_texts.items()}
    best_score = max(clause_scores) if clause_scores else 0.0
    asks_limit = bool(_LIMIT_ASK.search(analysis.text))
    asks_time = bool(_TIME_ASK.search(analysis.text))
    rows = []
    for span, text in zip(spans, texts, strict=True):
        key = (span.clause, span.sentence_start)
        figures = extract_figures(text)
        kinds = {figure.kind for figure in figures}
        phrases = len(_PHRASE_BREAK.findall(text)) + 1
        rows.append(
            [
                span.clause,
                (best_score - clause_scores[span.clause]) if span.clause < len(clause_scores) else 0.0,
                overlap(text),
                len(char_bigrams(text) & wanted) / len(wanted) if wanted else 0.0,
                sentence_overlap[key],
                clause_overlap[span.clause],
                float(bool(analysis.figure)),
                float(bool(analysis.figure.kinds & kinds)),
                min(len(figures), 8),
                len(figures) / sentence_figures[key] if sentence_figures[key] else 1.0,
                float(asks_limit and bool(_LIMIT_WORD.search(text))),
                float(asks_time and bool(kinds & _TIME_KINDS)),
                math.log1p(span.end - span.start),
                phrases,
                float(span.start == span.sentence_start and span.end == span.sentence_end),
                float(span.start == span.sentence_start),
                float(span.end == span.sentence_end),
                span.sentence_index / max(1, span.sentences - 1),
                float(span.heading),
                float(analysis.asks_list),
                float(analysis.multi_part),
                float(analysis.lang == "en"),
            ]
        )
    return np.asarray(rows, dtype=np.float32)


class SpanRanker:
    """The LightGBM model choosing the lead span (LightGBM text format, read with its Booster)."""

    def __init__(self, model_file: Path) -> None:
        import lightgbm

        self._booster = lightgbm.Booster(model_file=str(model_file))
        if tuple(self._booster.feature_name()) != SPAN_FEATURES:
            raise ValueError(f"{model_file} was trained on other features: retrain it with `qa train spans`")

    def scores(self, features: np.ndarray) -> np.ndarray:
        if not len(features):
            return np.zeros(0)
        return np.asarray(self._booster.predict(features, num_threads=1))


def packaged_span_model() -> Path:
    return Path(str(importlib.resources.files("qa_service.answering") / "data" / "span_ranker.txt"))


@lru_cache(maxsize=4)
def load_span_ranker(path: str = "") -> SpanRanker | None:
    """The model in `path` (empty: the packaged one; "none": no model, the best sentence leads)."""
    if path == "none":
        return None
    model_file = Path(path) if path else packaged_span_model()
    return SpanRanker(model_file) if model_file.is_file() else None


def ranked_spans(
    analysis: QuestionAnalysis,
    clauses: Sequence[str],
    clause_scores: Sequence[float] = (),
    model_path: str = "",
) -> list[Span]:
    """Every span with the span model's score, best first; [] without a model or a span."""
    ranker = load_span_ranker(model_path)
    spans = span_candidates(clauses)
    if ranker is None or not spans:
        return []
    scores = ranker.scores(span_features(analysis, clauses, spans, clause_scores))
    order = sorted(
        range(len(spans)), key=lambda i: (-scores[i], spans[i].clause, spans[i].end - spans[i].start)
    )
    return [replace(spans[i], score=float(scores[i])) for i in order]


def lead_span(
    analysis: QuestionAnalysis,
    clauses: Sequence[str],
    clause_scores: Sequence[float] = (),
    model_path: str = "",
) -> Span | None:
    """The span the answer should open with, by the span model; None without a model or a span."""
    ranked = ranked_spans(analysis, clauses, clause_scores, model_path)
    return ranked[0] if ranked else None


__all__ = [
    "FURNITURE",
    "HEADING",
    "SPAN_FEATURES",
    "Span",
    "SpanRanker",
    "lead_span",
    "load_span_ranker",
    "ranked_spans",
    "span_candidates",
    "span_features",
]
