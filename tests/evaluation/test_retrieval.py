"""The one retrieval scoring: recall@k and reciprocal rank per item, their means per group."""

from __future__ import annotations

import pytest

from qa_service.evaluation.retrieval import (
    RETRIEVAL_METRICS,
    evaluate_retrieval,
    item_query,
    score_ranking,
    score_retrieval,
)
from qa_service.evaluation.scoring import all_quotes_covered, first_covering_rank
from tests.evaluation.fakes import FixedSearch, item


def _mean(cases, ks=(1, 3, 5, 10)):  # type: ignore[no-untyped-def]
    scored = [score_ranking(quotes, passages, ks) for quotes, passages in cases]
    means = {f"recall@{k}": sum(recall[k] for recall, _ in scored) / len(scored) for k in ks}
    return {**means, "mrr": sum(rr for _, rr in scored) / len(scored)}


def test_retrieval_metrics_on_a_hand_computed_case() -> None:
    cases = [
        # A: first covering passage at rank 2; its only quote is covered from k = 2 on
        (["甲乙丙丁"], ["无关内容", "……甲乙丙丁……", "无关"]),
        # B: two quotes, one at rank 1 and one at rank 4 → reciprocal rank 1, all covered from k = 4
        (["戊己庚辛", "壬癸子丑"], ["戊己庚辛", "x", "y", "壬癸子丑"]),
        # C: only at rank 11 → reciprocal rank 0, never covered within k ≤ 10
        (["寅卯辰巳"], ["无关"] * 10 + ["寅卯辰巳"]),
        # D: covered at rank 3 by half overlap (寅卯: 2 of the quote's 4 characters)
        (["子丑寅卯"], ["a", "b", "寅卯辰巳"]),
    ]
    # recall@1: none → 0/4; recall@3: A, D → 2/4; recall@5 and @10: A, B, D → 3/4
    # MRR: (1/2 + 1 + 0 + 1/3) / 4 = 11/24
    metrics = _mean(cases)
    assert set(metrics) == set(RETRIEVAL_METRICS)
    assert metrics == pytest.approx(
        {"recall@1": 0.0, "recall@3": 0.5, "recall@5": 0.75, "recall@10": 0.75, "mrr": 11 / 24}
    )
    assert first_covering_rank(cases[2][1], cases[2][0]) is None
    assert first_covering_rank(cases[2][1], cases[2][0], max_rank=11) == 11
    assert _mean(cases, ks=(2, 4)) == pytest.approx({"recall@2": 0.25, "recall@4": 0.75, "mrr": 11 / 24})


def test_retrieval_edge_cases() -> None:
    assert score_ranking(["甲乙丙丁"], []) == ({1: False, 3: False, 5: False, 10: False}, 0.0)
    assert not all_quotes_covered(["甲乙丙丁"], [], k=1)  # no gold quote: never counted as recalled


def test_an_unanswerable_item_is_not_scored_for_retrieval() -> None:
    search = FixedSearch({})
    assert score_retrieval(item("u1", "天气？", type="unanswerable"), "天气？", search) is None
    assert search.queries == []


def test_the_score_holds_its_query_ranks_and_metrics() -> None:
    search = FixedSearch({"技改补助": ["无关", "单个项目最高补助400万元。"]})
    score = score_retrieval(item(), "技改补助", search)
    assert score is not None and score.query == "技改补助"
    assert score.metrics() == {
        "recall@1": 0.0,
        "recall@3": 1.0,
        "recall@5": 1.0,
        "recall@10": 1.0,
        "mrr": 0.5,
    }
    assert score.retrieved == ["第1条", "第2条"]


def test_the_retrieval_view_scores_a_follow_up_on_its_standalone_query() -> None:
    followup = item(
        "f1",
        "那数字化转型呢？",
        quotes=["支持企业数字化转型"],
        history=[("user", "柳州对技改项目最多补助多少？")],
    )
    standalone = item_query(followup)
    assert standalone != followup.question and "数字化转型" in standalone
    search = FixedSearch({standalone: ["支持企业数字化转型。"], followup.question: []})
    run = evaluate_retrieval([followup, item()], search, "hybrid")
    assert search.queries[0] == standalone
    groups = run.by_group()
    assert groups["followup"] == {
        "n": 1,
        "recall@1": 1.0,
        "recall@3": 1.0,
        "recall@5": 1.0,
        "recall@10": 1.0,
        "mrr": 1.0,
    }
    assert groups["all"]["n"] == 2 and groups["all"]["recall@5"] == 0.5
    assert groups["numeric"]["n"] == 2 and "lang:zh" in groups
