"""Fixtures shared by the API tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from qa_service.core.config import Settings


@pytest.fixture
def make_settings(index_dir: Path, tmp_path: Path) -> Callable[..., Settings]:
    """Settings over the test module's `index_dir` for a small index, with no model, no watcher and a
    key database of this test's own; keyword overrides win."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "index_dir": index_dir,
            "keys_db": tmp_path / "keys.sqlite3",
            "chunk_max_chars": 40,
            "llm_preload": False,
            "answer_mode": "extractive",
            "index_watch_interval_s": 0,
        }
        return Settings(**{**values, **overrides})

    return make
