import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from qa_service.core.config import Settings
from qa_service.retrieval.dense import DenseIndex
from qa_service.retrieval.store import (
    IndexBusyError,
    IndexCorruptError,
    IndexNotFoundError,
    build_lock,
    load_index,
)
from qa_service.services.indexing import NothingToIndexError, build_index
from tests.fakes import HashingEmbedder

POLICY = "测试市关于印发《测试措施》的通知\n测政规〔2025〕1号 各单位: 现印发。\n一、支持企业\n(一)技术改造。最高补助400万元。\n(二)数字化转型。最高补助300万元。\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "policy.txt").write_text(POLICY, encoding="utf-8")
    return folder


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index" / "default")


def test_build_publishes_a_loadable_index_behind_a_symlink(corpus: Path, settings: Settings) -> None:
    report = build_index([corpus], settings, HashingEmbedder())
    assert settings.index_dir.is_symlink()
    bundle = load_index(settings.index_dir)
    assert bundle.manifest["chunks"] == report.chunks == len(bundle.chunks) == bundle.dense.size
    assert bundle.manifest["embedding_model"] == "hashing-test"
    assert {meta.number for meta in bundle.documents.values()} == {"测政规〔2025〕1号"}


def test_rebuild_swaps_versions_and_removes_the_old_one(corpus: Path, settings: Settings) -> None:
    first = build_index([corpus], settings, HashingEmbedder()).location
    (corpus / "more.txt").write_text("第一条 另一份文件的规定。", encoding="utf-8")
    second = build_index([corpus], settings, HashingEmbedder()).location
    assert first != second
    assert not first.exists()
    assert settings.index_dir.resolve() == second
    assert load_index(settings.index_dir).manifest["documents"] == 2


def test_a_crash_mid_build_leaves_the_previous_index_in_service(
    corpus: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_index([corpus], settings, HashingEmbedder())
    before = load_index(settings.index_dir).manifest["version"]

    def crash(self: DenseIndex, path: Path) -> None:
        path.write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(DenseIndex, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        build_index([corpus], settings, HashingEmbedder())
    assert load_index(settings.index_dir).manifest["version"] == before
    leftovers = [path.name for path in settings.index_dir.parent.iterdir() if "partial" in path.name]
    assert leftovers == []


def test_a_second_concurrent_build_is_refused(corpus: Path, settings: Settings) -> None:
    with build_lock(settings.index_dir), pytest.raises(IndexBusyError):
        build_index([corpus], settings, HashingEmbedder())


def test_nothing_to_index_keeps_the_old_index_and_says_why(
    corpus: Path, settings: Settings, tmp_path: Path
) -> None:
    build_index([corpus], settings, HashingEmbedder())
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(NothingToIndexError, match=r"empty\.txt"):
        build_index([empty], settings, HashingEmbedder())
    assert load_index(settings.index_dir).manifest["documents"] == 1


def test_missing_and_corrupt_indexes_give_clear_errors(corpus: Path, settings: Settings) -> None:
    with pytest.raises(IndexNotFoundError, match="qa index build"):
        load_index(settings.index_dir)
    build_index([corpus], settings, HashingEmbedder())
    os.remove(settings.index_dir.resolve() / "chunks.jsonl")
    with pytest.raises(IndexCorruptError, match="rebuild"):
        load_index(settings.index_dir)


def test_a_hand_made_index_folder_is_kept_aside_not_deleted(corpus: Path, settings: Settings) -> None:
    settings.index_dir.mkdir(parents=True)
    (settings.index_dir / "notes.txt").write_text("mine", encoding="utf-8")
    build_index([corpus], settings, HashingEmbedder())
    build_index([corpus], settings, HashingEmbedder())
    kept = [path for path in settings.index_dir.parent.iterdir() if ".kept-" in path.name]
    assert len(kept) == 1 and (kept[0] / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert settings.index_dir.is_symlink()


# Run in a child process that kills itself with SIGKILL at one point of publishing: nothing in it can
# clean up, exactly as when a build is killed by the OOM killer or `kill -9`.
_KILLED_BUILD = """
import os, pathlib, signal, sys
from qa_service.core.config import Settings
from qa_service.retrieval.dense import DenseIndex
from qa_service.services.indexing import build_index
from tests.fakes import HashingEmbedder

corpus, index_dir, moment = sys.argv[1:]
link = pathlib.Path.symlink_to

def die(*args, **kwargs):
    if moment == "after the link":
        link(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)

if moment == "while staging":
    DenseIndex.save = die
else:
    pathlib.Path.symlink_to = die
build_index([pathlib.Path(corpus)], Settings(index_dir=pathlib.Path(index_dir)), HashingEmbedder())
"""
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("moment", ["while staging", "after the link"])
def test_what_a_killed_build_left_is_removed_by_the_next_build(
    corpus: Path, settings: Settings, moment: str
) -> None:
    build_index([corpus], settings, HashingEmbedder())
    before = settings.index_dir.resolve()
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_BUILD, str(corpus), str(settings.index_dir), moment],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    folder = settings.index_dir.parent
    left = sorted(path.name for path in folder.iterdir() if ".partial" in path.name or ".link-" in path.name)
    assert left, "the killed build should have left something behind"
    assert settings.index_dir.resolve() == before  # the old index is still the one in service

    build_index([corpus], settings, HashingEmbedder())

    names = sorted(path.name for path in folder.iterdir())
    assert not [name for name in names if ".partial" in name or ".link-" in name], names
    assert [name for name in names if name.startswith("default@")] == [settings.index_dir.resolve().name]
    assert load_index(settings.index_dir).manifest["documents"] == 1
