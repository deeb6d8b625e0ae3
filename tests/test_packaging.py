"""The service runs where users run it: from any folder, as `python -m`, from an installed wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa_service.api.main import create_app
from qa_service.generation.prompts import REQUIRED_PROMPTS, load_template
from qa_service.services.answer import AnswerService
from tests.fakes import TokenGenerator

ROOT = Path(__file__).resolve().parents[1]


def test_prompts_are_read_from_the_package_wherever_we_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in REQUIRED_PROMPTS:
        assert load_template(None, name).template.strip()


@pytest.mark.slow
def test_answers_and_refusals_work_from_another_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed_index_settings, seed_search_service
) -> None:
    settings = seed_index_settings.model_copy(update={"index_watch_interval_s": 0})
    service = AnswerService(seed_search_service, TokenGenerator(["按规定", "予以补助。"]), settings)
    monkeypatch.chdir(tmp_path)
    with TestClient(create_app(settings, seed_search_service, service)) as client:
        refusal = client.post("/ask", json={"question": "今天天气怎么样？"})
        assert refusal.status_code == 200, refusal.text
        assert refusal.json()["refused"]
        answered = client.post("/ask", json={"question": "柳州市技改项目最高补助多少？", "mode": "auto"})
        assert answered.status_code == 200, answered.text
        assert client.get("/ready").status_code == 200


def test_python_m_runs_every_command() -> None:
    for args in (["eval", "run", "--help"], ["eval", "gate", "--help"], ["index", "build", "--help"]):
        done = subprocess.run(
            [sys.executable, "-m", "qa_service.cli", *args], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "qa_service", "--help"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and "eval" in done.stdout


@pytest.mark.slow
def test_the_wheel_ships_prompts_and_static_files(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("qa_service-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in REQUIRED_PROMPTS:
        assert f"qa_service/prompts/{name}.txt" in names
    assert "qa_service/api/static/index.html" in names
    for model in (
        "retrieval/data/ranker.txt",
        "retrieval/data/cross_encoder.safetensors",
        "answering/data/span_ranker.txt",
        "answering/data/refusal.json",
    ):
        assert f"qa_service/{model}" in names  # the trained artefacts ship with the package
    assert "qa_service/answering/data/places.tsv" in names
