"""`qa eval index`: the files documents.json lists, each once, under the corpus root."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa_service.core.config import Settings
from qa_service.core.errors import DatasetError
from qa_service.evaluation.index import SHARED_CORPUS, default_corpus_root, document_paths, resolve_files


def _documents(tmp_path: Path, documents: dict) -> Path:
    path = tmp_path / "documents.json"
    path.write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")
    return path


def test_each_listed_file_once_seed_pages_under_seeds(tmp_path: Path) -> None:
    listed = _documents(
        tmp_path,
        {
            "law": {"file": "laws/经济法/森林法.md", "split": "train"},
            "a": {"seed_file": "001.txt"},
            "b": {"seed_file": "001.txt"},  # several documents on one seed page
            "c": {"seed_file": "000.txt"},
        },
    )
    assert document_paths(listed) == [
        Path("laws/经济法/森林法.md"),
        Path("seeds/001.txt"),
        Path("seeds/000.txt"),
    ]


def test_a_document_without_a_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="'x'"):
        document_paths(_documents(tmp_path, {"x": {"title": "?"}}))
    with pytest.raises(DatasetError, match="cannot read"):
        document_paths(tmp_path / "missing.json")


def test_the_corpus_root_is_the_corpus_dirs_parent_when_it_holds_the_files(tmp_path: Path) -> None:
    (tmp_path / "corpus" / "seeds").mkdir(parents=True)
    (tmp_path / "corpus" / "seeds" / "001.txt").write_text("x", encoding="utf-8")
    relative = [Path("seeds/001.txt")]
    assert (
        default_corpus_root(Settings(corpus_dir=tmp_path / "corpus" / "seeds"), relative)
        == tmp_path / "corpus"
    )
    assert default_corpus_root(Settings(corpus_dir=tmp_path / "elsewhere"), relative) == SHARED_CORPUS
    assert resolve_files(tmp_path / "corpus", relative) == [tmp_path / "corpus" / "seeds" / "001.txt"]
    with pytest.raises(DatasetError, match="1 listed file"):
        resolve_files(tmp_path, relative)
