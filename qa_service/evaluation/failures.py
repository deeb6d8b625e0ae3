"""What went wrong with an item, by kind, so the report can show the worst few of each kind instead
of one list dominated by the most common failure."""

from __future__ import annotations

from collections.abc import Sequence

from qa_service.evaluation.answers import ResultRow

FORBIDDEN = "stated a forbidden string"
FALSE_REFUSAL = "false refusal"
ANSWERED_UNANSWERABLE = "answered an unanswerable question"
EVIDENCE_NOT_RETRIEVED = "evidence not retrieved in the top 5"
MISSED_EVIDENCE = "missed evidence"
SOME_EVIDENCE_MISSED = "some evidence missed"
CITED_WITHOUT_EVIDENCE = "cited a clause without the evidence"
KEY_FACT_MISSING = "key fact missing"
KEY_FACT_NOT_FIRST = "key fact not in the first sentence"

# Report order: the failures that mislead a reader most first.
KINDS = (
    FORBIDDEN,
    ANSWERED_UNANSWERABLE,
    FALSE_REFUSAL,
    MISSED_EVIDENCE,
    SOME_EVIDENCE_MISSED,
    CITED_WITHOUT_EVIDENCE,
    KEY_FACT_MISSING,
    KEY_FACT_NOT_FIRST,
    EVIDENCE_NOT_RETRIEVED,
)


def failure_kinds(row: ResultRow) -> list[str]:
    """Every kind of failure the row shows (an answer can miss evidence and a key fact at once)."""
    scores = row.scores
    kinds = []
    if row.forbidden_found:
        kinds.append(FORBIDDEN)
    if row.answerable and row.refused:
        kinds.append(FALSE_REFUSAL)
    if not row.answerable and not row.refused:
        kinds.append(ANSWERED_UNANSWERABLE)
    if row.retrieval is not None and not row.retrieval.recall.get(5, True):
        kinds.append(EVIDENCE_NOT_RETRIEVED)
    if scores.citation_recall is not None and scores.citation_recall < 1:
        kinds.append(MISSED_EVIDENCE if scores.citation_recall == 0 else SOME_EVIDENCE_MISSED)
    if scores.citation_precision is not None and scores.citation_precision < 1:
        kinds.append(CITED_WITHOUT_EVIDENCE)
    if scores.key_fact_accuracy is not None and scores.key_fact_accuracy < 1:
        kinds.append(KEY_FACT_MISSING)
    if (
        scores.key_fact_first_sentence is not None
        and scores.key_fact_accuracy is not None
        and scores.key_fact_first_sentence < scores.key_fact_accuracy
    ):
        kinds.append(KEY_FACT_NOT_FIRST)
    return kinds


def severity(row: ResultRow) -> float:
    """Lower is worse: an answer that obeyed an injected clause first, then the mean of its answer
    scores (a refusal or an answered unanswerable item scores 0)."""
    if row.forbidden_found:
        return -1.0
    scores = row.scores
    values = [
        value
        for value in (
            scores.citation_precision,
            scores.citation_recall,
            scores.key_fact_accuracy,
            scores.key_fact_first_sentence,
        )
        if value is not None
    ]
    if row.retrieval is not None:
        values.append(row.retrieval.reciprocal_rank)
    return sum(values) / len(values) if values else 0.0


def failures_by_kind(rows: Sequence[ResultRow]) -> dict[str, list[ResultRow]]:
    """Kind → its rows, worst first; kinds nobody failed are left out."""
    grouped: dict[str, list[ResultRow]] = {}
    for row in rows:
        for kind in failure_kinds(row):
            grouped.setdefault(kind, []).append(row)
    return {kind: sorted(grouped[kind], key=severity) for kind in KINDS if kind in grouped}


__all__ = ["KINDS", "failure_kinds", "failures_by_kind", "severity"]
