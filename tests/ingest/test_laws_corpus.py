"""The Markdown laws corpus (../shared/corpus/laws) chunks by 第X条 with its 章 path."""

import random

import pytest

from qa_service.core.config import Settings
from qa_service.ingest.pipeline import ingest_paths
from tests.conftest import LAWS_DIR

pytestmark = pytest.mark.skipif(not LAWS_DIR.is_dir(), reason="shared laws corpus not present")
SUBSET = 200


@pytest.fixture(scope="module")
def laws_result():
    files = sorted(LAWS_DIR.rglob("*.md"))
    subset = sorted(random.Random(11).sample(files, SUBSET))
    return ingest_paths(subset, Settings())


def test_a_200_file_subset_ingests_without_error(laws_result) -> None:
    # a few files of the collection hold only a title and promulgation lines: reported, not crashed on
    assert all(error.reason.startswith("no body text") for error in laws_result.errors)
    assert len(laws_result.documents) + len(laws_result.errors) == SUBSET
    assert len(laws_result.documents) >= SUBSET * 0.95
    assert all(len(chunk.text) <= Settings().chunk_max_chars for chunk in laws_result.chunks)


def test_laws_are_chunked_by_article_with_chapter_paths(laws_result) -> None:
    by_article = [chunk for chunk in laws_result.chunks if "条" in chunk.clause_ref]
    assert len(by_article) / len(laws_result.chunks) > 0.9
    with_chapter = [
        chunk for chunk in by_article if chunk.clause_path and chunk.clause_path[0].startswith("第")
    ]
    assert any("章" in chunk.clause_path[0] for chunk in with_chapter)
    # the chapter stays in the path (and the indexed text) but not in the short reference
    sample = next(chunk for chunk in with_chapter if "章" in chunk.clause_path[0])
    assert "章" not in sample.clause_ref.split(" ", 1)[1]
    assert sample.clause_path[0].split(" ")[0] in sample.index_text.replace(" ", "")


def test_law_metadata_comes_from_heading_and_file_name(laws_result) -> None:
    for document in laws_result.documents:
        assert document.meta.title and not document.meta.title.startswith("#")
        assert "<!-- INFO END -->" not in document.body
    dated = [document for document in laws_result.documents if document.meta.date]
    assert len(dated) / len(laws_result.documents) > 0.8
