"""/health is liveness (200 while the process serves), /ready says whether answering can work."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from qa_service.api.main import create_app
from qa_service.core.config import Settings


def test_ready_is_503_without_an_index_and_health_stays_alive(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "missing", index_watch_interval_s=0, llm_preload=False)
    with TestClient(create_app(settings)) as client:
        health = client.get("/health")
        assert health.status_code == 200
        assert health.json()["status"] == "degraded"
        assert "qa index build" in health.json()["detail"]
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["status"] == "not_ready"
        assert "qa index build" in ready.json()["checks"]["index"]
        assert ready.json()["checks"]["prompts"] == "ok"


def test_ready_names_missing_prompts(tmp_path: Path) -> None:
    settings = Settings(
        index_dir=tmp_path / "missing", prompts_dir=tmp_path, index_watch_interval_s=0, llm_preload=False
    )
    with TestClient(create_app(settings)) as client:
        checks = client.get("/ready").json()["checks"]
        assert "refusal_zh.txt" in checks["prompts"]


def test_ready_needs_the_model_when_the_default_mode_is_generative(tmp_path: Path) -> None:
    settings = Settings(
        index_dir=tmp_path / "missing",
        answer_mode="generative",
        llm_model_path=str(tmp_path / "absent.gguf"),
        index_watch_interval_s=0,
    )
    with TestClient(create_app(settings)) as client:
        assert "absent.gguf" in client.get("/ready").json()["checks"]["llm"]


def test_head_on_health_routes(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "missing", index_watch_interval_s=0, llm_preload=False)
    with TestClient(create_app(settings)) as client:
        for path in ("/health", "/ready"):
            response = client.head(path)
            assert response.status_code in (200, 503)
            assert response.content == b""
        assert client.head("/health").status_code == 200
