"""Answer evaluation: every gold question through the /ask pipeline, scored as ../shared/eval/README.md says.

Per answered item: citation precision and recall, key-fact accuracy; per item: whether it was refused.
"Refusal on unanswerable" is the share of unanswerable items refused; "false refusal" the share of
answerable items refused. Precision, recall and key facts are averaged over answerable items that were
answered (a refusal has no citations to score — it is counted by false refusal instead).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from qa_service.core.stats import percentile
from qa_service.evaluation.dataset import EvalItem
from qa_service.evaluation.scoring import citation_precision, citation_recall, group_mean, key_fact_accuracy
from qa_service.services.answer import AnswerMode, AnswerResult, AnswerService, AskRequest

OVERALL = "all"
ANSWER_METRICS = (
    "citation_precision",
    "citation_recall",
    "key_fact_accuracy",
    "refusal_on_unanswerable",
    "false_refusal",
)


@dataclass
class AnswerEvalReport:
    mode: AnswerMode
    by_group: dict[str, dict[str, float]] = field(default_factory=dict)  # "all", each type, "lang:xx"
    counts: dict[str, int] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)  # one per item: answer, citations, metrics

    @property
    def latencies_ms(self) -> list[float]:
        return [row["timings_ms"]["total"] for row in self.rows]

    def latency_percentile(self, percent: int) -> float:
        return percentile(self.latencies_ms, percent)


def score_item(item: EvalItem, result: AnswerResult) -> dict[str, Any]:
    """The metrics of one answered or refused item; a metric that does not apply is None."""
    quotes = [evidence.quote for evidence in item.evidence]
    cited = [citation.hit.chunk.text for citation in result.citations]
    answered_answerable = item.answerable and not result.refused
    return {
        "citation_precision": citation_precision(cited, quotes) if answered_answerable else None,
        "citation_recall": citation_recall(cited, quotes) if answered_answerable and quotes else None,
        "key_fact_accuracy": (
            key_fact_accuracy(result.answer, item.key_facts, item.key_facts_alt)
            if answered_answerable and item.key_facts
            else None
        ),
        "refusal_on_unanswerable": result.refused if not item.answerable else None,
        "false_refusal": result.refused if item.answerable else None,
    }


def result_row(item: EvalItem, result: AnswerResult) -> dict[str, Any]:
    return {
        "id": item.id,
        "type": item.type,
        "lang": item.lang,
        "question": item.question,
        "answerable": item.answerable,
        "answer": result.answer,
        "refused": result.refused,
        "refusal_reason": result.refusal_reason,
        "mode_used": result.mode_used,
        "query": result.query,
        "citations": [
            {
                "marker": c.marker,
                "clause_ref": c.hit.chunk.clause_ref,
                "quote": c.quote,
                "text": c.hit.chunk.text,
            }
            for c in result.citations
        ],
        "retrieved": [hit.chunk.clause_ref for hit in result.related],
        "removed": [removed.text for removed in result.removed],
        "timings_ms": result.timings_ms,
        **score_item(item, result),
    }


def evaluate_answers(
    items: Sequence[EvalItem],
    service: AnswerService,
    mode: AnswerMode,
    *,
    top_k: int | None = None,
    progress: Callable[[EvalItem], None] | None = None,
) -> AnswerEvalReport:
    report = AnswerEvalReport(mode=mode)
    for item in items:
        result = service.ask(AskRequest(item.question, top_k=top_k, mode=mode))
        report.rows.append(result_row(item, result))
        if progress is not None:
            progress(item)
    grouped = [{**row, "_all": OVERALL, "_lang": f"lang:{row['lang']}"} for row in report.rows]
    for key in ("_all", "type", "_lang"):
        report.by_group.update(group_mean(grouped, key, ANSWER_METRICS))
        for row in grouped:
            report.counts[str(row[key])] = report.counts.get(str(row[key]), 0) + 1
    return report


__all__ = ["ANSWER_METRICS", "OVERALL", "AnswerEvalReport", "evaluate_answers", "result_row", "score_item"]
