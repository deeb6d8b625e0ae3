"""The `qa` command line, run in process with the real model."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa_service.cli import app
from qa_service.core.config import get_settings
from tests.conftest import DEV_SET
from tests.retrieval.test_store import POLICY

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture
def env_index(monkeypatch: pytest.MonkeyPatch):
    def use(index_dir: Path) -> None:
        monkeypatch.setenv("QA_INDEX_DIR", str(index_dir))
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def test_build_reports_counts_and_skips_bad_files(tmp_path: Path, env_index, real_embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "policy.txt").write_text(POLICY, encoding="utf-8")
    (corpus / "broken.docx").write_bytes(b"not a zip file")
    (corpus / "notes.xyz").write_text("?", encoding="utf-8")
    env_index(tmp_path / "index" / "default")
    result = runner.invoke(app, ["index", "build", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "1 documents" in result.output
    assert "broken.docx" in result.output and "notes.xyz" in result.output
    assert "2 skipped" in result.output

    searched = runner.invoke(app, ["search", "技术改造补助", "-k", "1"])
    assert searched.exit_code == 0, searched.output
    assert "测政规〔2025〕1号" in searched.output


def test_build_with_nothing_usable_fails_clearly(tmp_path: Path, env_index) -> None:
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    env_index(tmp_path / "index" / "default")
    result = runner.invoke(app, ["index", "build", str(tmp_path / "empty.txt")])
    assert result.exit_code == 1
    assert "nothing to index" in result.output


def test_search_without_an_index_says_how_to_build_one(tmp_path: Path, env_index) -> None:
    env_index(tmp_path / "nowhere")
    result = runner.invoke(app, ["search", "补助"])
    assert result.exit_code == 1
    assert "qa index build" in result.output


def test_retrieval_eval_prints_metrics_per_mode_and_type(seed_index_settings, env_index) -> None:
    env_index(seed_index_settings.index_dir)
    result = runner.invoke(app, ["eval", "--retrieval", str(DEV_SET)])
    assert result.exit_code == 0, result.output
    for expected in ("recall@5", "mrr", "dense", "lexical", "hybrid", "numeric", "english"):
        assert expected in result.output


def test_malformed_dataset_line_is_reported_with_its_number(
    tmp_path: Path, seed_index_settings, env_index
) -> None:
    env_index(seed_index_settings.index_dir)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(DEV_SET.read_text(encoding="utf-8").splitlines()[0] + "\n{not json\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "--retrieval", str(bad)])
    assert result.exit_code == 1
    assert "2" in result.output


def test_ask_prints_the_answer_and_its_sources(seed_index_settings, env_index) -> None:
    env_index(seed_index_settings.index_dir)
    result = runner.invoke(app, ["ask", "柳州市技改项目最高补助多少？", "--mode", "extractive"])
    assert result.exit_code == 0, result.output
    assert "[1]" in result.output and "柳政规〔2025〕3号" in result.output
    refused = runner.invoke(app, ["ask", "今天天气怎么样？", "--mode", "extractive"])
    assert "文件中没有找到相关规定" in refused.output and "not sources" in refused.output
    assert runner.invoke(app, ["ask", "   "]).exit_code == 1


def test_answer_eval_prints_metrics_by_group(seed_index_settings, env_index) -> None:
    env_index(seed_index_settings.index_dir)
    result = runner.invoke(app, ["eval", "--answers", str(DEV_SET), "--answer-mode", "extractive"])
    assert result.exit_code == 0, result.output
    for group in ("all", "numeric", "unanswerable", "lang:en"):
        assert group in result.output
    assert "/ask latency p50" in result.output
