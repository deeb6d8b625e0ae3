"""`qa eval run` with several gold files and `--index`, `qa eval index` errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa_service.cli import app
from tests.conftest import DEV_SET

runner = CliRunner()


def test_only_one_source_of_answers_may_be_chosen(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["eval", "run", str(DEV_SET), "--index", str(tmp_path), "--url", "http://127.0.0.1:9"]
    )
    assert result.exit_code == 1 and "give one of them" in result.output


def test_eval_index_names_a_missing_documents_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "index", "--documents", str(tmp_path / "none.json")])
    assert result.exit_code == 1 and "cannot read" in result.output


@pytest.mark.slow
def test_run_answers_from_an_index_folder_with_one_split_per_file(
    tmp_path: Path, seed_index_settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa_service.core.config import get_settings

    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "no-index"))  # the configured index is not used
    get_settings.cache_clear()
    lines = DEV_SET.read_text(encoding="utf-8").splitlines()
    (tmp_path / "dev.jsonl").write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    (tmp_path / "test.jsonl").write_text("\n".join(lines[3:5]) + "\n", encoding="utf-8")
    out = tmp_path / "report"
    result = runner.invoke(
        app,
        [
            "eval",
            "run",
            str(tmp_path / "dev.jsonl"),
            str(tmp_path / "test.jsonl"),
            "--index",
            str(seed_index_settings.index_dir),
            "--out",
            str(out),
        ],
    )
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["questions"] == 5
    assert summary["groups"]["split:dev"]["n"] == 3 and summary["groups"]["split:test"]["n"] == 2
    assert "split:dev" in result.output
    assert "## Generalisation (dev → test)" in (out / "report.md").read_text(encoding="utf-8")
