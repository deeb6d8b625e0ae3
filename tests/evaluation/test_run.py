"""The runner: several splits, follow-ups scored on the standalone query, summary and report.

Unit tests run on fixed answers (tests/evaluation/fakes.py); the slow ones run the real pipeline
over a real index of the seed pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa_service.evaluation.dataset import Split, load_dataset
from qa_service.evaluation.run import evaluate, run_eval
from qa_service.services.answer import AnswerService, AskRequest
from tests.conftest import DEV_SET
from tests.evaluation.fakes import FixedAnswers, FixedSearch, item, result

QUOTE = "单个项目最高补助400万元"
DIGITAL = "支持企业数字化转型"


def _splits() -> tuple[list[Split], FixedAnswers, FixedSearch]:
    dev = [
        item("d1", "技改最多补多少？"),
        item(
            "d2",
            "那数字化转型呢？",
            quotes=[DIGITAL],
            key_facts=["3000万元"],
            history=[("user", "技改最多补多少？")],
        ),
        item("d3", "天气如何？", type="unanswerable"),
    ]
    test = [item("t1", "技改补助上限？", type="factoid"), item("t2", "火星补贴？", type="unanswerable")]
    answers = FixedAnswers(
        {
            "技改最多补多少？": result("单个项目最高补助400万元[1]。", cited=[QUOTE], total_ms=10),
            # the pipeline rewrote the follow-up; retrieval must be scored on that query
            "那数字化转型呢？": result(
                "根据文件：\n每年安排不低于3000万元[1]。",
                cited=[DIGITAL + "，每年不低于3000万元"],
                query="数字化转型最多补多少？",
                total_ms=20,
            ),
            "天气如何？": result("文件中没有找到相关规定。", refused=True, total_ms=5),
            "技改补助上限？": result("文件中没有找到相关规定。", refused=True, total_ms=7),  # a false refusal
            "火星补贴？": result("每年补助1亿元[1]。", cited=["无关条款"], total_ms=9),
        }
    )
    search = FixedSearch(
        {
            "技改最多补多少？": ["无关", QUOTE],
            "数字化转型最多补多少？": [DIGITAL],
            "那数字化转型呢？": ["无关"],  # the raw follow-up finds nothing
            "技改补助上限？": ["无关"] * 10,
        }
    )
    splits = [Split("dev", Path("dev.jsonl"), dev), Split("test", Path("test.jsonl"), test)]
    return splits, answers, search


def test_a_follow_up_is_asked_with_history_and_scored_on_the_standalone_query() -> None:
    splits, answers, search = _splits()
    run = evaluate(splits, answers, search, "extractive")
    assert "那数字化转型呢？" not in search.queries and "数字化转型最多补多少？" in search.queries
    followup = next(row for row in run.rows if row.id == "d2")
    assert followup.retrieval is not None and followup.retrieval.query == "数字化转型最多补多少？"
    assert followup.retrieval.reciprocal_rank == 1.0
    assert [turn.content for turn in answers.requests[1].history] == ["技改最多补多少？"]
    assert run.summary["groups"]["followup"]["n"] == 1
    assert run.summary["groups"]["followup"]["recall@5"] == 1.0
    assert run.summary["groups"]["followup"]["key_fact_first_sentence"] == 0.0  # the lead-in comes first
    assert run.summary["groups"]["followup"]["key_fact_accuracy"] == 1.0


def test_each_split_is_a_group_beside_types_and_languages() -> None:
    splits, answers, search = _splits()
    summary = evaluate(splits, answers, search, "extractive").summary
    groups = summary["groups"]
    assert summary["overall"]["n"] == 5 and summary["questions"] == 5
    assert groups["split:dev"]["n"] == 3 and groups["split:test"]["n"] == 2
    assert groups["split:dev"]["recall@5"] == 1.0 and groups["split:test"]["recall@5"] == 0.0
    assert groups["split:dev"]["false_refusal"] == 0.0 and groups["split:test"]["false_refusal"] == 1.0
    assert groups["split:test"]["refusal_on_unanswerable"] == 0.0
    assert {"numeric", "factoid", "unanswerable", "lang:zh", "followup"} <= set(groups)
    assert summary["splits"] == {
        "dev": {"path": "dev.jsonl", "questions": 3},
        "test": {"path": "test.jsonl", "questions": 2},
    }


def test_answer_length_is_summarised_by_its_median_over_factoid_and_numeric_answers() -> None:
    splits, answers, search = _splits()
    overall = evaluate(splits, answers, search, "extractive").summary["overall"]
    # answered answerable items: d1 (numeric, 13 chars) and d2 (numeric, 19 chars); t1 was refused
    first, second = len("单个项目最高补助400万元。"), len("根据文件：\n每年安排不低于3000万元。")
    assert overall["median_answer_chars_factoid_numeric"] == min(first, second)  # nearest-rank median
    assert overall["median_answer_chars"] == min(first, second)
    assert overall["key_fact_first_sentence"] == pytest.approx(0.5)


def test_the_written_report_has_split_tables_generalisation_and_failures_by_kind(tmp_path: Path) -> None:
    splits, answers, search = _splits()
    summary = run_eval(splits, answers, search, "extractive", tmp_path)
    rows = [
        json.loads(line) for line in (tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [row["split"] for row in rows] == ["dev", "dev", "dev", "test", "test"]
    assert json.loads((tmp_path / "summary.json").read_text(encoding="utf-8")) == summary
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "### Split dev" in report and "### Split test" in report
    assert "## Generalisation (dev → test)" in report
    assert "| false_refusal | 0.000 | 1.000 | +1.000 | ⚠ worse |" in report
    assert "| refusal_on_unanswerable | 1.000 | 0.000 | -1.000 | ⚠ worse |" in report
    for kind in (
        "### false refusal (1 items",
        "### answered an unanswerable question (1 items",
        "### key fact not in the first sentence (1 items",
    ):
        assert kind in report
    assert "- standalone query: 数字化转型最多补多少？" in report and "- history:" in report


def test_one_split_has_no_generalisation_table(tmp_path: Path) -> None:
    splits, answers, search = _splits()
    run_eval(splits[:1], answers, search, "extractive", tmp_path)
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "Generalisation" not in report and "### Split" not in report and "| all | 3 |" in report


@pytest.mark.slow
def test_summary_equals_an_independent_computation_from_results(tmp_path: Path, seed_search_service) -> None:
    dev = load_dataset(DEV_SET)
    items = [item for item in dev if item.answerable][:25] + [item for item in dev if not item.answerable][:5]
    service = AnswerService(seed_search_service, None, seed_search_service._settings)
    splits = [Split(DEV_SET.stem, DEV_SET, items)]
    summary = run_eval(splits, service, seed_search_service, "extractive", tmp_path)
    rows = [
        json.loads(line) for line in (tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len(rows) == len(items) == summary["questions"]
    for metric in (
        "citation_precision",
        "citation_recall",
        "key_fact_accuracy",
        "key_fact_first_sentence",
        "recall@5",
        "mrr",
    ):
        values = [row[metric] for row in rows if row[metric] is not None]
        assert summary["overall"][metric] == pytest.approx(sum(values) / len(values))
    unanswerable = [row["refused"] for row in rows if not row["answerable"]]
    assert summary["overall"]["refusal_on_unanswerable"] == pytest.approx(
        sum(unanswerable) / len(unanswerable)
    )
    numeric = [row["key_fact_accuracy"] for row in rows if row["type"] == "numeric" and not row["refused"]]
    assert summary["groups"]["numeric"]["key_fact_accuracy"] == pytest.approx(sum(numeric) / len(numeric))
    assert summary["groups"][f"split:{DEV_SET.stem}"]["n"] == len(items)
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert f"| all | {len(items)} |" in report and "## Worst items per failure kind" in report
    for figure in ("metrics_by_type.png", "latency.png"):  # matplotlib comes with the eval extra
        assert (tmp_path / figure).read_bytes().startswith(b"\x89PNG") and f"]({figure})" in report
    assert json.loads((tmp_path / "summary.json").read_text(encoding="utf-8")) == summary


@pytest.mark.slow
def test_url_mode_scores_a_running_server_like_the_in_process_pipeline(
    tmp_path: Path, seed_index_settings, seed_search_service
) -> None:
    import socket
    import threading
    import time

    import uvicorn

    from qa_service.api.main import create_app
    from qa_service.evaluation.remote import RemoteAnswerService, RemoteError

    dev = load_dataset(DEV_SET)
    items = [item for item in dev if item.answerable][:8] + [item for item in dev if not item.answerable][:2]
    splits = [Split("dev", DEV_SET, items)]
    service = AnswerService(seed_search_service, None, seed_index_settings)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(seed_index_settings, seed_search_service, service)
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        remote = RemoteAnswerService(f"http://127.0.0.1:{port}")
        over_http = run_eval(splits, remote, remote.search, "extractive", tmp_path / "http")
    finally:
        server.should_exit = True
        thread.join(timeout=5)
    in_process = run_eval(splits, service, seed_search_service, "extractive", tmp_path / "local")
    for metric, value in in_process["overall"].items():
        assert over_http["overall"][metric] == pytest.approx(value), metric
    with pytest.raises(RemoteError):  # the server is gone: a clear error, not a traceback from httpx
        RemoteAnswerService(f"http://127.0.0.1:{port}").ask(AskRequest("问题"))
