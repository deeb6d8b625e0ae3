"""`qa eval run` output and `qa eval gate` thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa_service.evaluation.dataset import load_dataset
from qa_service.services.answer import AnswerService, AskRequest
from qa_service.services.eval_run import check_gate, run_eval
from tests.conftest import DEV_SET


@pytest.mark.slow
def test_summary_equals_an_independent_computation_from_results(tmp_path: Path, seed_search_service) -> None:
    dev = load_dataset(DEV_SET)
    items = [item for item in dev if item.answerable][:25] + [item for item in dev if not item.answerable][:5]
    service = AnswerService(seed_search_service, None, seed_search_service._settings)
    summary = run_eval(DEV_SET, items, service, seed_search_service, "extractive", tmp_path)
    rows = [
        json.loads(line) for line in (tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len(rows) == len(items) == summary["questions"]
    for metric in ("citation_precision", "citation_recall", "key_fact_accuracy"):
        values = [row[metric] for row in rows if row[metric] is not None]
        assert summary["overall"][metric] == pytest.approx(sum(values) / len(values))
    unanswerable = [row["refused"] for row in rows if not row["answerable"]]
    assert summary["overall"]["refusal_on_unanswerable"] == pytest.approx(
        sum(unanswerable) / len(unanswerable)
    )
    numeric = [row["key_fact_accuracy"] for row in rows if row["type"] == "numeric" and not row["refused"]]
    assert summary["groups"]["numeric"]["key_fact_accuracy"] == pytest.approx(sum(numeric) / len(numeric))
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert f"| all | {len(items)} |" in report and "## Worst items" in report
    for figure in ("metrics_by_type.png", "latency.png"):  # matplotlib comes with the eval extra
        assert (tmp_path / figure).read_bytes().startswith(b"\x89PNG") and f"]({figure})" in report
    assert json.loads((tmp_path / "summary.json").read_text(encoding="utf-8")) == summary


def test_gate_reports_each_metric_out_of_bounds(tmp_path: Path) -> None:
    thresholds = tmp_path / "thresholds.toml"
    thresholds.write_text(
        '[min]\n"recall@5" = 0.9\nmrr = 0.5\n[max]\nfalse_refusal = 0.1\n', encoding="utf-8"
    )
    passing = {"overall": {"recall@5": 0.95, "mrr": 0.6, "false_refusal": 0.0}}
    assert check_gate(passing, thresholds) == []
    failing = {"overall": {"recall@5": 0.85, "false_refusal": 0.2}}
    assert {(f.metric, f.bound) for f in check_gate(failing, thresholds)} == {
        ("recall@5", ">= 0.9"),
        ("mrr", ">= 0.5"),  # missing from the run: a failure, not a pass
        ("false_refusal", "<= 0.1"),
    }


def test_comparison_table_shows_differences_from_the_first_configuration() -> None:
    from qa_service.services.eval_run import render_comparison

    summaries = {
        "pipeline": {"dataset": "dev.jsonl", "overall": {"recall@5": 0.9, "mrr": 0.8}},
        "naive": {"dataset": "dev.jsonl", "overall": {"recall@5": 0.7, "mrr": 0.85}},
    }
    table = render_comparison(summaries)
    assert "| pipeline | 0.900 | 0.800 |" in table
    assert "| naive | 0.700 (-0.200) | 0.850 (+0.050) |" in table


@pytest.mark.slow
def test_naive_rag_baseline_cuts_raw_text_into_500_character_chunks(real_embedder, sample_corpus) -> None:
    from qa_service.core.config import Settings
    from qa_service.services.baselines import NAIVE_CHUNK_SIZE, NaiveRagSearch
    from qa_service.services.search import InvalidQueryError

    naive = NaiveRagSearch.build([sample_corpus], Settings(), real_embedder)
    hits = naive.search("柳州工业贷贴息资金", top_k=3)
    assert len(hits) == 3 and all(len(hit.chunk.text) <= NAIVE_CHUNK_SIZE for hit in hits)
    assert hits[0].dense_score >= hits[-1].dense_score
    with pytest.raises(InvalidQueryError):
        naive.validate_query("  ")


@pytest.mark.slow
def test_url_mode_scores_a_running_server_like_the_in_process_pipeline(
    tmp_path: Path, seed_index_settings, seed_search_service
) -> None:
    import socket
    import threading
    import time

    import uvicorn

    from qa_service.api.main import create_app
    from qa_service.services.remote import RemoteAnswerService, RemoteError

    dev = load_dataset(DEV_SET)
    items = [item for item in dev if item.answerable][:8] + [item for item in dev if not item.answerable][:2]
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
        over_http = run_eval(DEV_SET, items, remote, remote.search, "extractive", tmp_path / "http")
    finally:
        server.should_exit = True
        thread.join(timeout=5)
    in_process = run_eval(DEV_SET, items, service, seed_search_service, "extractive", tmp_path / "local")
    for metric, value in in_process["overall"].items():
        assert over_http["overall"][metric] == pytest.approx(value), metric
    with pytest.raises(RemoteError):  # the server is gone: a clear error, not a traceback from httpx
        RemoteAnswerService(f"http://127.0.0.1:{port}").ask(AskRequest("问题"))
