"""When to say "the documents do not cover this" instead of answering — decided without the LLM.

Measured on the dev set: e5-small's best cosine cannot tell an off-topic Chinese question from an
answerable one (both score 0.83–0.88), but the share of the question's content bigrams found in the
best clauses can (answerable ≥ 0.18, off-topic mostly ≤ 0.17), with a cosine floor under it for the
few off-topic questions that share words with policies (高铁…多少钱, 办理护照). English questions share no
bigrams with Chinese clauses, so there the cosine decides (answerable ≥ 0.77, off-topic 0.69–0.77: a
gate at 0.76 refuses most off-topic questions and no answerable one). Near misses — the right document,
but the figure asked for is not stated — pass both gates and are caught when the best answer sentences
hold no figure of the kind asked for, or speak of another year than the one asked about.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qa_service.core.config import Settings
from qa_service.generation.numbers import extract_figures
from qa_service.generation.question import Language, asked_figure, asked_years, question_coverage
from qa_service.retrieval.retriever import SearchHit


@dataclass(frozen=True)
class EvidenceCheck:
    refuse: bool
    reason: str  # "" | "no_evidence" | "off_topic" | "figure_not_stated"
    coverage: float  # share of the question's content bigrams found in the best clauses
    top_dense: float | None  # best cosine similarity among the hits


def coverage(question: str, hits: Sequence[SearchHit], clauses: int) -> float:
    return question_coverage(question, [f"{hit.document.title} {hit.chunk.text}" for hit in hits[:clauses]])


def check_evidence(
    question: str, hits: Sequence[SearchHit], lang: Language, settings: Settings
) -> EvidenceCheck:
    """Gate before answering: is what the question is about in the best clauses at all?"""
    dense_scores = [hit.dense_score for hit in hits if hit.dense_score is not None]
    top_dense = max(dense_scores) if dense_scores else None
    share = coverage(question, hits, settings.refusal_coverage_clauses)
    if not hits:
        return EvidenceCheck(True, "no_evidence", 0.0, None)
    floor = settings.refusal_min_dense_en if lang == "en" else settings.refusal_min_dense_zh
    weak = top_dense is not None and top_dense < floor
    if lang == "zh":
        weak = weak or share < settings.refusal_min_coverage
    return EvidenceCheck(weak, "off_topic" if weak else "", share, top_dense)


def lacks_asked_year(question: str, evidence: Sequence[str]) -> bool:
    """True when the question names a year ("2025年的目标") that none of `evidence` (the answer's quotes
    and the titles, numbers and dates of their documents) mentions: the clauses speak of another year."""
    years = asked_years(question)
    text = " ".join(evidence)
    return bool(years) and not any(year in text for year in years)


def lacks_asked_figure(question: str, sentences: Sequence[str]) -> bool:
    """True when the question asks for a kind of figure and none of `sentences` states one."""
    ask = asked_figure(question)
    if not ask:
        return False
    stated = {figure.kind for sentence in sentences for figure in extract_figures(sentence)}
    return not stated & ask.kinds


__all__ = ["EvidenceCheck", "check_evidence", "coverage", "lacks_asked_figure", "lacks_asked_year"]
