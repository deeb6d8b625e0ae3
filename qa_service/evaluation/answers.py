"""Asking: one gold item through the /ask pipeline, scored as ../shared/eval/README.md says, kept as a
typed `ResultRow` (one line of results.jsonl).

Per answered answerable item: citation precision and recall, key-fact accuracy, key facts in the first
sentence, answer length; per item: whether it was refused. A refusal has no citations to score, so it
counts in false refusal (answerable) or refusal on unanswerable, never in the answer metrics. A metric
that does not apply to an item is None and is left out of every mean.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from qa_service.evaluation.dataset import EvalItem
from qa_service.evaluation.groups import item_groups
from qa_service.evaluation.retrieval import RETRIEVAL_METRICS, RetrievalScore
from qa_service.evaluation.scoring import (
    answer_chars,
    citation_precision,
    citation_recall,
    forbidden_found,
    key_fact_accuracy,
    key_fact_first_sentence,
)
from qa_service.services.answer import AnswerMode, AnswerResult, AskRequest

# Averaged per group (booleans as rates); answer_chars is summarised by its median instead.
ANSWER_METRICS = (
    "citation_precision",
    "citation_recall",
    "key_fact_accuracy",
    "key_fact_first_sentence",
    "refusal_on_unanswerable",
    "false_refusal",
)
FORBIDDEN_METRIC = "forbidden_in_answer"  # share of answers stating a string their item forbids
MEAN_METRICS = (*RETRIEVAL_METRICS, *ANSWER_METRICS, FORBIDDEN_METRIC)


class Asker(Protocol):
    """The /ask use case as the runner calls it: in process (AnswerService) or over HTTP."""

    def ask(self, request: AskRequest) -> AnswerResult: ...


@dataclass(frozen=True)
class AnswerScores:
    citation_precision: float | None
    citation_recall: float | None
    key_fact_accuracy: float | None
    key_fact_first_sentence: float | None
    answer_chars: int | None
    refusal_on_unanswerable: bool | None
    false_refusal: bool | None


@dataclass(frozen=True)
class CitedClause:
    marker: int
    clause_ref: str
    quote: str
    text: str


@dataclass
class ResultRow:
    """One item's answer, what it cited and retrieved, and its scores."""

    id: str
    split: str
    type: str
    lang: str
    question: str
    history: list[dict[str, str]]
    answerable: bool
    answer: str
    refused: bool
    refusal_reason: str
    mode_used: str
    query: str  # the standalone query the pipeline retrieved with
    citations: list[CitedClause]
    retrieved: list[str]  # clause refs /ask retrieved (its top_k)
    removed: list[str]  # generated sentences verification removed
    timings_ms: dict[str, float]
    scores: AnswerScores
    retrieval: RetrievalScore | None = None  # scored on `query`, DEPTH deep; None when unanswerable
    forbidden_found: list[str] | None = None  # None: the item forbids nothing
    judge: list[dict[str, Any]] | None = None
    groups: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, float | int | bool | None]:
        """Every metric by name; None where it does not apply to this item."""
        retrieval = self.retrieval.metrics() if self.retrieval else dict.fromkeys(RETRIEVAL_METRICS)
        forbidden = None if self.forbidden_found is None else bool(self.forbidden_found)
        return {**retrieval, **asdict(self.scores), FORBIDDEN_METRIC: forbidden}

    def to_dict(self) -> dict[str, Any]:
        """The results.jsonl line: the row's fields with its metrics flattened beside them."""
        row = {
            name: getattr(self, name)
            for name in ("id", "split", "type", "lang", "question", "history", "answerable", "answer")
        }
        row.update(
            refused=self.refused,
            refusal_reason=self.refusal_reason,
            mode_used=self.mode_used,
            query=self.query,
            citations=[asdict(citation) for citation in self.citations],
            retrieved=self.retrieved,
            retrieved_for_scoring=self.retrieval.retrieved if self.retrieval else [],
            removed=self.removed,
            timings_ms=self.timings_ms,
            forbidden_found=self.forbidden_found,
            groups=self.groups,
            **self.metrics(),
        )
        if self.judge is not None:
            row["judge"] = self.judge
        return row


def ask_item(item: EvalItem, service: Asker, mode: AnswerMode, *, top_k: int | None = None) -> AnswerResult:
    """The item as a user would ask it: with its earlier turns, so a follow-up is rewritten."""
    return service.ask(AskRequest(item.question, top_k=top_k, mode=mode, history=tuple(item.history)))


def score_answer(item: EvalItem, result: AnswerResult) -> AnswerScores:
    quotes = [evidence.quote for evidence in item.evidence]
    cited = [citation.hit.chunk.text for citation in result.citations]
    answered = item.answerable and not result.refused
    with_facts = answered and bool(item.key_facts)
    return AnswerScores(
        citation_precision=citation_precision(cited, quotes) if answered else None,
        citation_recall=citation_recall(cited, quotes) if answered and quotes else None,
        key_fact_accuracy=(
            key_fact_accuracy(result.answer, item.key_facts, item.key_facts_alt) if with_facts else None
        ),
        key_fact_first_sentence=(
            key_fact_first_sentence(result.answer, item.key_facts, item.key_facts_alt) if with_facts else None
        ),
        answer_chars=answer_chars(result.answer) if answered else None,
        refusal_on_unanswerable=result.refused if not item.answerable else None,
        false_refusal=result.refused if item.answerable else None,
    )


def result_row(
    item: EvalItem, result: AnswerResult, split: str, retrieval: RetrievalScore | None = None
) -> ResultRow:
    return ResultRow(
        id=item.id,
        split=split,
        type=item.type,
        lang=item.lang,
        question=item.question,
        history=[{"role": turn.role, "content": turn.content} for turn in item.history],
        answerable=item.answerable,
        answer=result.answer,
        refused=result.refused,
        refusal_reason=result.refusal_reason,
        mode_used=result.mode_used,
        query=result.query,
        citations=[
            CitedClause(c.marker, c.hit.chunk.clause_ref, c.quote, c.hit.chunk.text) for c in result.citations
        ],
        retrieved=[hit.chunk.clause_ref for hit in result.related],
        removed=[removed.text for removed in result.removed],
        timings_ms=dict(result.timings_ms),
        scores=score_answer(item, result),
        retrieval=retrieval,
        forbidden_found=forbidden_found(result.answer, item.forbidden) if item.forbidden else None,
        groups=item_groups(item, split),
    )


__all__ = [
    "ANSWER_METRICS",
    "FORBIDDEN_METRIC",
    "MEAN_METRICS",
    "AnswerScores",
    "Asker",
    "CitedClause",
    "ResultRow",
    "ask_item",
    "result_row",
    "score_answer",
]
