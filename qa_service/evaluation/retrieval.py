"""THE retrieval scoring of the eval suite: one item's ranked passages → recall@1/3/5/10 and its
reciprocal rank. The runner (on the standalone query /ask used), the retrieval-only view
(`qa eval --retrieval`, dense / BM25 / hybrid) and `qa eval compare` all score through
`score_retrieval`, and a group's recall@k and MRR are the means of its items' scores, so the three
can never disagree on what a number means.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from qa_service.answering.followup import standalone_query
from qa_service.evaluation.dataset import EvalItem
from qa_service.evaluation.groups import item_groups
from qa_service.evaluation.scoring import MRR_DEPTH, all_quotes_covered, first_covering_rank, group_mean
from qa_service.retrieval.retriever import SearchHit

KS = (1, 3, 5, 10)
DEPTH = max(*KS, MRR_DEPTH)
RETRIEVAL_METRICS = (*(f"recall@{k}" for k in KS), "mrr")


class Searcher(Protocol):
    """What retrieval scoring needs of a search backend: the pipeline's SearchService, a baseline of
    `qa eval compare` or a running server's /search."""

    def search(self, query: str, *, top_k: int | None = None, **options: Any) -> list[SearchHit]: ...


@dataclass(frozen=True)
class RetrievalScore:
    """Where one answerable item's gold evidence ranked for the query retrieval was given."""

    query: str
    recall: dict[int, bool]  # k → every gold quote covered within the top k
    reciprocal_rank: float  # 1/rank of the first passage covering any gold quote, 0 past MRR_DEPTH
    retrieved: list[str]  # clause refs, best first
    latency_ms: float = 0.0

    def metrics(self) -> dict[str, float]:
        return {**{f"recall@{k}": float(hit) for k, hit in self.recall.items()}, "mrr": self.reciprocal_rank}


def score_ranking(
    quotes: Sequence[str], passages: Sequence[str], ks: Sequence[int] = KS
) -> tuple[dict[int, bool], float]:
    """recall@k for each k and the reciprocal rank of one ranked list (the eval README's rules)."""
    rank = first_covering_rank(passages, quotes, MRR_DEPTH)
    return {k: all_quotes_covered(passages, quotes, k) for k in ks}, (1.0 / rank if rank else 0.0)


def score_retrieval(
    item: EvalItem, query: str, search: Searcher, *, mode: str | None = None, depth: int = DEPTH
) -> RetrievalScore | None:
    """Retrieves `depth` passages for `query` (the standalone query, for a follow-up) and scores
    them; None for an item with no gold evidence (unanswerable), which has nothing to find."""
    if not item.answerable or not item.evidence:
        return None
    options: dict[str, Any] = {"mode": mode} if mode else {}
    started = time.perf_counter()
    hits = search.search(query, top_k=depth, **options)
    latency_ms = (time.perf_counter() - started) * 1000
    recall, reciprocal = score_ranking(
        [evidence.quote for evidence in item.evidence], [hit.chunk.text for hit in hits]
    )
    return RetrievalScore(query, recall, reciprocal, [hit.chunk.clause_ref for hit in hits], latency_ms)


def item_query(item: EvalItem) -> str:
    """The query retrieval gets for an item without asking /ask: the follow-up rewritten with its
    history by the pipeline's own rules (the question itself when it has no history)."""
    return standalone_query(item.question, item.history).query


@dataclass
class RetrievalRun:
    """The retrieval-only view of one mode: each scored item with its groups."""

    mode: str
    scored: list[tuple[EvalItem, RetrievalScore]] = field(default_factory=list)

    @property
    def latencies_ms(self) -> list[float]:
        return [score.latency_ms for _, score in self.scored]

    def by_group(self) -> dict[str, dict[str, float]]:
        """Group (all, type, language, followup) → {"n", recall@k…, "mrr"}: the items' means."""
        flat = [
            {"_group": group, **score.metrics()} for item, score in self.scored for group in item_groups(item)
        ]
        means = group_mean(flat, "_group", RETRIEVAL_METRICS)
        counts = Counter(row["_group"] for row in flat)
        return {group: {"n": counts[group], **means[group]} for group in counts}


def evaluate_retrieval(
    items: Sequence[EvalItem],
    search: Searcher,
    mode: str,
    *,
    progress: Callable[[EvalItem], None] | None = None,
) -> RetrievalRun:
    """Every answerable item's standalone query through search in one mode, scored."""
    run = RetrievalRun(mode)
    for item in items:
        score = score_retrieval(item, item_query(item), search, mode=mode)
        if score is not None:
            run.scored.append((item, score))
        if progress is not None:
            progress(item)
    return run


__all__ = [
    "DEPTH",
    "KS",
    "RETRIEVAL_METRICS",
    "RetrievalRun",
    "RetrievalScore",
    "Searcher",
    "evaluate_retrieval",
    "item_query",
    "score_ranking",
    "score_retrieval",
]
