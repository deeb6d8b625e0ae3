"""When to say "the documents do not cover this" instead of answering — decided without the LLM.

Measured on the dev set: e5-small's best cosine cannot tell an off-topic Chinese question from an
answerable one (both score 0.83–0.88), but the share of the question's content bigrams found in the
best clauses can (answerable ≥ 0.18, off-topic mostly ≤ 0.17), with a cosine floor under it for the
few off-topic questions that share words with policies (高铁…多少钱, 办理护照). English questions share no
bigrams with Chinese clauses, so there the cosine decides (answerable ≥ 0.77, off-topic 0.69–0.77: a
gate at 0.76 refuses most off-topic questions and no answerable one). Near misses — the right document,
but the figure asked for is not stated — pass both gates and are caught when the best answer sentences
hold no figure of the kind asked for, or speak of another year than the one asked about.

Questions on other subjects ("a good recipe for chicken curry?", "去三亚旅游有什么推荐") are refused as
"other_subject" by a domain classifier over the question's embedding (services/domain.py): its
direction says what the question is about even where its best cosine to a clause does not.

Nonsense and chit-chat are told apart before any of that, from the question's form alone: the same
cosines cannot separate "asdfghjkl", "null", "SELECT * FROM users" or "hello" (0.78–0.84) from real
English questions (0.77–0.85). A question with no letters, one that is mostly keyboard mash, one that
is program code, one with nothing left once function words and greetings are gone ("你是谁", "thanks
a lot!") and a bare word that is not a term ("null", "test") are refused as "nonsense" or "chit_chat".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa_service.core.config import Settings
from qa_service.generation.numbers import extract_figures
from qa_service.generation.question import (
    Language,
    asked_figure,
    asked_years,
    code_signals,
    content_size,
    has_words,
    is_one_word,
    is_phatic,
    mash_share,
    question_coverage,
)
from qa_service.retrieval.retriever import SearchHit
from qa_service.services.domain import domain_probability


@dataclass(frozen=True)
class EvidenceCheck:
    refuse: bool
    # "" | "nonsense" | "chit_chat" | "no_evidence" | "other_subject" | "off_topic" | "figure_not_stated"
    reason: str
    coverage: float  # share of the question's content bigrams found in the best clauses
    top_dense: float | None  # best cosine similarity among the hits
    domain: float | None = None  # P(policy question) of the domain classifier; None when it did not run


def coverage(question: str, hits: Sequence[SearchHit], clauses: int) -> float:
    return question_coverage(question, [f"{hit.document.title} {hit.chunk.text}" for hit in hits[:clauses]])


def check_question(question: str, settings: Settings) -> str:
    """ "nonsense" or "chit_chat" when the question says nothing the documents could answer, told
    from its form alone; "" otherwise (the evidence gates decide then)."""
    if not settings.refusal_check_question:
        return ""
    if not has_words(question):
        return "nonsense"
    mashed = mash_share(question, walk=settings.refusal_mash_walk, distinct=settings.refusal_mash_distinct)
    if mashed >= settings.refusal_max_mash_share or code_signals(question) >= settings.refusal_code_signals:
        return "nonsense"
    size = content_size(question)
    if size == 0:
        return "chit_chat" if is_phatic(question) else "nonsense"
    # "What is the deadline?" has one content word too, but it is a question; "null" is not.
    if size < settings.refusal_min_content and is_one_word(question):
        return "nonsense"
    return ""


def check_domain(
    question: str, settings: Settings, vector: np.ndarray | None = None
) -> tuple[bool, float | None]:
    """(refuse, P(policy question)): is the question about the policies at all, or on another subject
    ("a recipe for chicken curry", "去三亚旅游有什么推荐")? Off (False, None) where the classifier cannot
    run — see services/domain.py."""
    probability = domain_probability(question, settings, vector)
    return probability is not None and probability < settings.refusal_min_domain, probability


def check_evidence(
    question: str,
    hits: Sequence[SearchHit],
    lang: Language,
    settings: Settings,
    *,
    vector: np.ndarray | None = None,
) -> EvidenceCheck:
    """Gate before answering: is the question about the policies, and is what it is about in the best
    clauses at all? `vector`: the question's query embedding, the one retrieval used
    (`SearchService.embed_query`); without it the domain gate does not run (services/domain.py)."""
    dense_scores = [hit.dense_score for hit in hits if hit.dense_score is not None]
    top_dense = max(dense_scores) if dense_scores else None
    share = coverage(question, hits, settings.refusal_coverage_clauses)
    if said_nothing := check_question(question, settings):
        return EvidenceCheck(True, said_nothing, share, top_dense)
    if not hits:
        return EvidenceCheck(True, "no_evidence", 0.0, None)
    other_subject, domain = check_domain(question, settings, vector)
    if other_subject:
        return EvidenceCheck(True, "other_subject", share, top_dense, domain)
    floor = settings.refusal_min_dense_en if lang == "en" else settings.refusal_min_dense_zh
    weak = top_dense is not None and top_dense < floor
    if lang == "zh":
        weak = weak or share < settings.refusal_min_coverage
    return EvidenceCheck(weak, "off_topic" if weak else "", share, top_dense, domain)


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


__all__ = [
    "EvidenceCheck",
    "check_domain",
    "check_evidence",
    "check_question",
    "coverage",
    "lacks_asked_figure",
    "lacks_asked_year",
]
