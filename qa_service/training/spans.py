"""`qa train spans`: the lead-span model learned from the train split, its size chosen on dev.

Each answerable gold question is retrieved as the service retrieves it (reranker included); every
span of its best clauses is labelled by whether its clause covers a gold quote (the clause the answer
will cite: 0 when it does not) and then by the gold key facts it holds — 4: all of them in at most
SHORT_SPAN characters, 3: all of them, 2: some, 1: none — and described by answering/spans.py's
features. The dev figure that chooses the size is the share of questions whose chosen span holds every
key fact. The test split is never read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa_service.answering.question import analyse
from qa_service.answering.spans import SPAN_FEATURES, span_candidates, span_features
from qa_service.evaluation.dataset import EvalItem
from qa_service.evaluation.retrieval import item_query
from qa_service.evaluation.scoring import covers, normalize
from qa_service.services.search import SearchService
from qa_service.training.lambdamart import Groups, fit_best, save, stack

SHORT_SPAN = 100


def _forms(item: EvalItem) -> list[list[str]]:
    alternatives = list(item.key_facts_alt) + [None] * len(item.key_facts)
    return [
        [normalize(form) for form in (fact, alternatives[i]) if form] for i, fact in enumerate(item.key_facts)
    ]


def span_label(text: str, forms: Sequence[Sequence[str]]) -> int:
    """0: no key fact, 1: some, 2: all, 3: all in at most SHORT_SPAN characters."""
    norm = normalize(text)
    held = sum(any(form in norm for form in fact) for fact in forms)
    if held == 0:
        return 0
    if held < len(forms):
        return 1
    return 3 if len(text) <= SHORT_SPAN else 2


def build_span_groups(search: SearchService, items: Sequence[EvalItem], top_k: int) -> Groups:
    features, labels, questions = [], [], 0
    for item in items:
        if not item.answerable or not item.key_facts:
            continue
        questions += 1
        query = item_query(item)
        hits = search.search(query, top_k=top_k)
        clauses = [hit.chunk.text for hit in hits]
        spans = span_candidates(clauses)
        forms = _forms(item)
        quotes = [evidence.quote for evidence in item.evidence]
        cited_right = [any(covers(clause, quote) for quote in quotes) for clause in clauses]
        graded = np.array(
            [
                1 + span_label(clauses[s.clause][s.start : s.end], forms) if cited_right[s.clause] else 0
                for s in spans
            ],
            dtype=int,
        )
        if not graded.size or not graded.any():
            continue
        features.append(span_features(analyse(query), clauses, spans, [hit.score for hit in hits]))
        labels.append(graded)
    return stack(features, labels, questions, len(SPAN_FEATURES))


def lead_metrics(groups: Groups, scores: np.ndarray | None) -> dict[str, float]:
    """Share of questions whose best-scored span is in a clause covering the gold quote and holds every
    key fact (label ≥ 3), or is in such a clause (≥ 1)."""
    every, some, offset = 0, 0, 0
    for size in groups.sizes:
        labels = groups.labels[offset : offset + size]
        best = 0 if scores is None else int(np.argmax(scores[offset : offset + size]))
        every += int(labels[best] >= 3)
        some += int(labels[best] >= 1)
        offset += size
    total = max(1, groups.questions)
    return {"lead_all_facts": every / total, "lead_right_clause": some / total}


def train_spans(
    search: SearchService,
    train: Sequence[EvalItem],
    dev: Sequence[EvalItem],
    out: Path,
    *,
    top_k: int = 5,
    seed: int = 0,
) -> dict[str, Any]:
    train_groups, dev_groups = build_span_groups(search, train, top_k), build_span_groups(search, dev, top_k)
    chosen, fitted = fit_best(train_groups, dev_groups, SPAN_FEATURES, lead_metrics, "lead_all_facts", seed)
    report: dict[str, Any] = {
        "features": list(SPAN_FEATURES),
        "top_k": top_k,
        "seed": seed,
        "train_questions": train_groups.questions,
        "dev_questions": dev_groups.questions,
        **fitted,
        "train": lead_metrics(train_groups, chosen.predict(train_groups.features)),
    }
    save(chosen, report, out)
    return report


__all__ = ["build_span_groups", "lead_metrics", "span_label", "train_spans"]
