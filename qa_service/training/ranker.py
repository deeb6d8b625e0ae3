"""`qa train ranker`: the LambdaMART reranker learned from the train split of the gold set.

Each answerable gold question is run through fusion; its candidates are labelled by the gold scoring
rule (a candidate that covers a gold quote is relevant) and described by the reranker's features
(retrieval/rerank.py). A few model sizes are trained on the train split, the one with the best dev
MRR is kept (ties: the smaller), and the test split is never read. Same data and seed, same model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa_service.answering.question import analyse
from qa_service.evaluation.dataset import EvalItem
from qa_service.evaluation.retrieval import item_query
from qa_service.evaluation.scoring import covers
from qa_service.retrieval.rerank import FEATURES, Candidate, candidate_features
from qa_service.retrieval.retriever import HybridRetriever
from qa_service.training.lambdamart import Groups, fit_best, save, stack


def candidate_pool(retriever: HybridRetriever, item: EvalItem, depth: int) -> tuple[str, list[Candidate]]:
    query = item_query(item)
    return query, retriever.candidates(query, depth)


def labels_for(candidates: Sequence[Candidate], quotes: Sequence[str]) -> np.ndarray:
    return np.array([any(covers(c.chunk.text, quote) for quote in quotes) for c in candidates], dtype=int)


def build_groups(retriever: HybridRetriever, items: Sequence[EvalItem], depth: int) -> Groups:
    features, labels, questions = [], [], 0
    for item in items:
        if not item.answerable or not item.evidence:
            continue
        questions += 1
        query, pool = candidate_pool(retriever, item, depth)
        relevant = labels_for(pool, [evidence.quote for evidence in item.evidence])
        if not relevant.any():
            continue  # nothing to learn from: no order of these candidates is better than another
        features.append(candidate_features(analyse(query), pool))
        labels.append(relevant)
    return stack(features, labels, questions, len(FEATURES))


def ranking_metrics(groups: Groups, scores: np.ndarray | None) -> dict[str, float]:
    """MRR and recall@1/5 of the relevant candidates over all answerable questions (a question with no
    relevant candidate counts as a miss), in fusion order when `scores` is None."""
    reciprocal, at1, at5, offset = 0.0, 0, 0, 0
    for size in groups.sizes:
        labels = groups.labels[offset : offset + size]
        if scores is None:
            order = np.arange(size)
        else:
            order = np.argsort(-scores[offset : offset + size], kind="stable")
        hits = np.flatnonzero(labels[order])
        if hits.size:
            reciprocal += 1.0 / (hits[0] + 1)
            at1 += int(hits[0] == 0)
            at5 += int(hits[0] < 5)
        offset += size
    total = max(1, groups.questions)
    return {"mrr": reciprocal / total, "hit@1": at1 / total, "hit@5": at5 / total}


def train_ranker(
    retriever: HybridRetriever,
    train: Sequence[EvalItem],
    dev: Sequence[EvalItem],
    out: Path,
    *,
    depth: int = 30,
    seed: int = 0,
) -> dict[str, Any]:
    """Trains each GRID model on `train`, keeps the best on `dev`, writes it to `out` (LightGBM text)
    and `out`.json (the choice and its figures); returns that report."""
    train_groups, dev_groups = build_groups(retriever, train, depth), build_groups(retriever, dev, depth)
    chosen, fitted = fit_best(train_groups, dev_groups, FEATURES, ranking_metrics, "mrr", seed)
    report: dict[str, Any] = {
        "features": list(FEATURES),
        "depth": depth,
        "seed": seed,
        "train_questions": train_groups.questions,
        "dev_questions": dev_groups.questions,
        "fusion_dev": ranking_metrics(dev_groups, None),
        **fitted,
        "train": ranking_metrics(train_groups, chosen.predict(train_groups.features)),
    }
    save(chosen, report, out)
    return report


__all__ = ["build_groups", "ranking_metrics", "train_ranker"]
