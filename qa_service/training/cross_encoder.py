"""`qa train cross-encoder`: the e5 LoRA cross-encoder learned from the train split of the gold set.

Each train question is retrieved as the service retrieves it (fusion, then the LightGBM reranker);
a group is one clause that covers a gold quote and up to NEGATIVES of the other retrieved clauses (the
hard negatives the service really confuses it with), plus a "no clause answers" slot whose score is
the learned `null`. The loss is softmax cross-entropy over the group: the answering clause must win;
for an unanswerable question the null slot must win, so scores come out calibrated against "none
answers", which refusal reads. Each epoch is scored on dev (hit@1 of the reranked top RERANK_DEPTH);
the best epoch is kept. The test split is never read. Same data and seed, same adapter.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from qa_service.evaluation.dataset import EvalItem
from qa_service.evaluation.retrieval import item_query
from qa_service.evaluation.scoring import covers
from qa_service.retrieval.cross_encoder import E5CrossEncoder, cross_order
from qa_service.services.search import SearchService

NEGATIVES = 7
POOL = 20  # retrieved clauses per question the negatives come from


@dataclass(frozen=True)
class Group:
    query: str
    passages: tuple[str, ...]
    target: int  # index into [null, *passages]: 0 for an unanswerable question


@dataclass(frozen=True)
class DevQuestion:
    query: str
    passages: tuple[str, ...]  # in the service's order
    relevant: tuple[bool, ...]


def _pool(search: SearchService, item: EvalItem, depth: int) -> tuple[str, list[str], list[bool]]:
    query = item_query(item)
    texts = [hit.chunk.text for hit in search.search(query, top_k=depth)]
    quotes = [evidence.quote for evidence in item.evidence]
    return query, texts, [any(covers(text, quote) for quote in quotes) for text in texts]


def build_train_groups(search: SearchService, items: Sequence[EvalItem], rng: random.Random) -> list[Group]:
    groups = []
    for item in items:
        query, texts, relevant = _pool(search, item, POOL)
        negatives = [text for text, good in zip(texts, relevant, strict=True) if not good]
        if not item.answerable:
            groups.append(Group(query, tuple(negatives[: NEGATIVES + 1]), 0))
            continue
        positives = [text for text, good in zip(texts, relevant, strict=True) if good]
        for positive in positives[:2]:
            chosen = negatives[:3] + rng.sample(negatives[3:], min(len(negatives[3:]), NEGATIVES - 3))
            passages = [positive, *chosen]
            rng.shuffle(passages)
            groups.append(Group(query, tuple(passages), 1 + passages.index(positive)))
    return groups


def build_dev_questions(search: SearchService, items: Sequence[EvalItem], depth: int) -> list[DevQuestion]:
    questions = []
    for item in items:
        if item.answerable and item.evidence:
            query, texts, relevant = _pool(search, item, depth)
            questions.append(DevQuestion(query, tuple(texts), tuple(relevant)))
    return questions


def _rank_figures(
    questions: Sequence[DevQuestion], scored: Sequence[np.ndarray], depth: int, prior: float
) -> dict[str, float]:
    """hit@1 / MRR when each question's first `depth` clauses are re-ordered as the service orders them."""
    at1 = reciprocal = 0.0
    for question, scores in zip(questions, scored, strict=True):
        head = scores[:depth]
        order = [*cross_order(head, prior), *range(len(head), len(question.relevant))]
        hits = np.flatnonzero(np.array(question.relevant)[order])
        if hits.size:
            reciprocal += 1.0 / (hits[0] + 1)
            at1 += float(hits[0] == 0)
    total = max(1, len(questions))
    return {"hit@1": at1 / total, "mrr": reciprocal / total}


def dev_metrics(
    model: E5CrossEncoder, questions: Sequence[DevQuestion], prior: float = 1.0
) -> dict[str, float]:
    """hit@1 / MRR over the answerable dev questions with every clause given re-ordered (score plus
    `prior` / rank), and hit@1 of the service's order alone."""
    scored = [model.scores(q.query, q.passages) for q in questions]
    service_at1 = sum(bool(q.relevant) and q.relevant[0] for q in questions) / max(1, len(questions))
    return {
        **_rank_figures(questions, scored, max((len(q.passages) for q in questions), default=0), prior),
        "service_hit@1": service_at1,
    }


PRIORS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
DEPTHS = (5, 8, 12, 20)


def choose_order(model: E5CrossEncoder, questions: Sequence[DevQuestion]) -> dict[str, Any]:
    """The depth (clauses the cross-encoder reads) and rank prior with the best dev hit@1 (then MRR);
    ties go to the shallower depth, then the larger prior (closer to the reranker's order)."""
    scored = [model.scores(q.query, q.passages[: max(DEPTHS)]) for q in questions]
    grid = [
        {"depth": depth, "prior": prior, **_rank_figures(questions, scored, depth, prior)}
        for depth in DEPTHS
        for prior in PRIORS
    ]
    best = max(
        grid, key=lambda row: (round(row["hit@1"], 6), round(row["mrr"], 6), -row["depth"], row["prior"])
    )
    return {"grid": grid, "chosen": best}


def _group_loss(model: E5CrossEncoder, group: Group) -> Any:
    """Softmax cross-entropy over [null, *passages]: the target slot must win."""
    import torch

    scores = model.forward(model.encode([group.query] * len(group.passages), group.passages))
    logits = torch.cat([model.null, scores]).unsqueeze(0)
    return torch.nn.functional.cross_entropy(logits, torch.tensor([group.target]))


def train_cross_encoder(
    search: SearchService,
    base_location: str,
    train: Sequence[EvalItem],
    dev: Sequence[EvalItem],
    out: Path,
    *,
    epochs: int = 3,
    seed: int = 0,
    dev_depth: int = 12,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = E5CrossEncoder(base_location)
    groups = build_train_groups(search, train, rng)
    dev_questions = build_dev_questions(search, dev, max(DEPTHS))
    log(f"{len(groups)} train groups, {len(dev_questions)} dev questions")
    params = model.trainable()
    optimizer = torch.optim.AdamW(
        [
            {"params": [p for n, p in params.items() if n.startswith("encoder.")], "lr": 3e-4},
            {"params": [p for n, p in params.items() if not n.startswith("encoder.")], "lr": 1e-3},
        ],
        weight_decay=0.01,
    )
    steps = epochs * len(groups)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=[3e-4, 1e-3], total_steps=max(1, steps // 2 + 1), pct_start=0.1
    )
    history: list[dict[str, Any]] = []
    best: tuple[float, int, dict[str, Any]] | None = None
    shallow = [
        replace(q, passages=q.passages[:dev_depth], relevant=q.relevant[:dev_depth]) for q in dev_questions
    ]
    started = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.encoder.train()
        shuffled = list(groups)
        rng.shuffle(shuffled)
        total_loss = 0.0
        for step in range(0, len(shuffled), 2):  # two groups (≈16 pairs) a step
            loss = sum((_group_loss(model, group) for group in shuffled[step : step + 2]), torch.zeros(()))
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if scheduler.last_epoch + 1 < scheduler.total_steps:
                scheduler.step()
            total_loss += loss.item()
        model.encoder.eval()
        figures = dev_metrics(model, shallow)
        mean_loss = total_loss / max(1, len(groups))
        history.append({"epoch": epoch, "train_loss": mean_loss, "dev": figures})
        log(f"epoch {epoch}: loss {mean_loss:.3f}, dev {figures}, {time.perf_counter() - started:.0f} s")
        if best is None or figures["hit@1"] > best[0]:
            best = (figures["hit@1"], epoch, {n: p.detach().clone() for n, p in params.items()})
    assert best is not None
    with torch.no_grad():
        for name, value in best[2].items():
            params[name].copy_(value)
    order = choose_order(model, dev_questions)
    log(f"depth and prior on dev: {order['chosen']}")
    report = {
        "seed": seed,
        "epochs": epochs,
        "chosen_epoch": best[1],
        "train_groups": len(groups),
        "dev_questions": len(dev_questions),
        "dev_depth": dev_depth,
        "history": history,
        "order": order,
    }
    model.save(out, report)
    return report


__all__ = ["build_dev_questions", "build_train_groups", "choose_order", "dev_metrics", "train_cross_encoder"]
