"""Retrieval evaluation: runs each gold question through search and scores the ranked clauses."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from qa_service.evaluation.dataset import EvalItem
from qa_service.evaluation.scoring import RetrievalCase, retrieval_metrics
from qa_service.retrieval.retriever import RetrievalMode
from qa_service.services.search import SearchService

KS = (1, 3, 5, 10)
OVERALL = "all"


@dataclass
class RetrievalEvalReport:
    mode: RetrievalMode
    by_group: dict[str, dict[str, float]] = field(default_factory=dict)  # "all", then each type
    counts: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)


def evaluate_retrieval(
    items: Sequence[EvalItem], service: SearchService, mode: RetrievalMode, *, depth: int = max(KS)
) -> RetrievalEvalReport:
    report = RetrievalEvalReport(mode=mode)
    cases: dict[str, list[RetrievalCase]] = {OVERALL: []}
    for item in items:
        if not item.answerable or not item.evidence:
            continue
        started = time.perf_counter()
        hits = service.search(item.question, top_k=depth, mode=mode)
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        case = RetrievalCase(
            quotes=[evidence.quote for evidence in item.evidence], passages=[hit.chunk.text for hit in hits]
        )
        cases[OVERALL].append(case)
        cases.setdefault(item.type, []).append(case)
    for group, group_cases in cases.items():
        report.by_group[group] = retrieval_metrics(group_cases, ks=KS)
        report.counts[group] = len(group_cases)
    return report
