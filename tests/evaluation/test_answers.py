"""One item asked and scored: typed rows, the metrics that apply, the results.jsonl line."""

from __future__ import annotations

import json

from qa_service.evaluation.answers import ask_item, result_row, score_answer
from tests.evaluation.fakes import FixedAnswers, item, result

QUOTE = "单个项目最高补助400万元"


def test_an_answered_item_gets_every_answer_metric() -> None:
    scores = score_answer(
        item(key_facts=["400万元", "15%"]),
        result("按15%补助[1]。单个项目最高补助400万元[1]。", cited=[QUOTE + "。", "无关条款"]),
    )
    assert scores.citation_precision == 0.5 and scores.citation_recall == 1.0
    assert scores.key_fact_accuracy == 1.0 and scores.key_fact_first_sentence == 0.5
    assert scores.answer_chars == len("按15%补助。单个项目最高补助400万元。")
    assert scores.false_refusal is False and scores.refusal_on_unanswerable is None


def test_a_refusal_scores_only_the_refusal_metrics() -> None:
    refused = score_answer(item(), result("文件中没有找到相关规定。", refused=True))
    assert refused.false_refusal is True
    assert refused.citation_precision is None and refused.key_fact_first_sentence is None
    assert refused.answer_chars is None
    unanswerable = score_answer(item("u", type="unanswerable"), result("有的[1]。", cited=["x"]))
    assert unanswerable.refusal_on_unanswerable is False and unanswerable.false_refusal is None
    assert unanswerable.answer_chars is None  # only answered answerable items count in the medians


def test_history_goes_to_ask() -> None:
    followup = item(
        "f", "那数字化转型呢？", history=[("user", "技改最多补多少？"), ("assistant", "400万元。")]
    )
    service = FixedAnswers({"那数字化转型呢？": result("…", query="数字化转型最多补多少？")})
    ask_item(followup, service, "extractive", top_k=3)
    request = service.requests[0]
    assert [(turn.role, turn.content) for turn in request.history] == [
        ("user", "技改最多补多少？"),
        ("assistant", "400万元。"),
    ]
    assert request.mode == "extractive" and request.top_k == 3


def test_a_row_is_typed_and_its_line_flattens_the_metrics() -> None:
    followup = item("f", "那数字化转型呢？", history=[("user", "技改最多补多少？")], forbidden=["999"])
    row = result_row(
        followup, result("最高补助400万元[1]。", cited=[QUOTE], query="数字化转型最多补多少？"), "dev"
    )
    assert row.groups == ["all", "numeric", "lang:zh", "split:dev", "followup"]
    line = json.loads(json.dumps(row.to_dict(), ensure_ascii=False))
    assert line["split"] == "dev" and line["query"] == "数字化转型最多补多少？"
    assert line["history"] == [{"role": "user", "content": "技改最多补多少？"}]
    assert line["key_fact_first_sentence"] == 1.0 and line["answer_chars"] == len("最高补助400万元。")
    assert line["recall@5"] is None  # no retrieval scored for this row
    assert line["forbidden_found"] == [] and line["forbidden_in_answer"] is False
    assert line["citations"] == [{"marker": 1, "clause_ref": "第1条", "quote": QUOTE, "text": QUOTE}]
