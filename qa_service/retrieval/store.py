"""The saved index: a versioned folder per build, published by an atomic symlink swap.

`index/default` is a symlink to `index/default@<version>/`. A build writes a fresh version folder
and then replaces the symlink with os.replace, so a reader sees either the old index or the new one,
never a half-written one, and a crash mid-build leaves the previous index in service.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa_service.core.errors import IndexBusyError, IndexCorruptError, IndexNotFoundError
from qa_service.ingest.models import Chunk, DocumentMeta
from qa_service.retrieval.dense import DenseIndex
from qa_service.retrieval.lexical import LexicalIndex

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DOCUMENTS = "documents.json"
CHUNKS = "chunks.jsonl"
DENSE = "dense.faiss"
LEXICAL = "bm25"
VERSION_SEPARATOR = "@"


@dataclass
class IndexBundle:
    manifest: dict[str, Any]
    documents: dict[str, DocumentMeta]
    chunks: list[Chunk]
    dense: DenseIndex
    lexical: LexicalIndex
    location: Path


@contextmanager
def build_lock(target: Path) -> Iterator[None]:
    """One build per index at a time; a second one fails fast instead of racing the first."""
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.parent / f".{target.name}.lock"
    with lock_path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise IndexBusyError(f"another build of {target} is running") from error
        try:
            remove_leftovers(target)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_leftovers(target: Path) -> list[Path]:
    """Removes what a killed build left beside `target` (its staging folder, its temporary link);
    returns what it removed. Only safe under the build lock: otherwise they may be another build's."""
    name = glob.escape(target.name)
    removed = []
    for leftover in [
        *target.parent.glob(f".{name}{VERSION_SEPARATOR}*.partial"),
        *target.parent.glob(f".{name}.link-*"),
    ]:
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


def _write_json(path: Path, payload: Any) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(payload, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())


def _write_chunks(path: Path, chunks: list[Chunk]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _version_folders(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f"{target.name}{VERSION_SEPARATOR}*"))


def publish_index(
    target: Path,
    *,
    manifest: dict[str, Any],
    documents: list[DocumentMeta],
    chunks: list[Chunk],
    dense: DenseIndex,
    lexical: LexicalIndex,
) -> Path:
    """Writes a new version folder and points `target` at it atomically; returns the folder."""
    version = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    folder = target.parent / f"{target.name}{VERSION_SEPARATOR}{version}"
    staging = target.parent / f".{folder.name}.partial"
    staging.mkdir(parents=True)
    try:
        dense.save(staging / DENSE)
        lexical.save(staging / LEXICAL)
        _write_json(staging / DOCUMENTS, [document.to_dict() for document in documents])
        _write_chunks(staging / CHUNKS, chunks)
        _write_json(staging / MANIFEST, {**manifest, "format_version": FORMAT_VERSION, "version": version})
        os.rename(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    link = target.parent / f".{target.name}.link-{uuid.uuid4().hex[:8]}"
    link.symlink_to(folder.name)
    if target.exists() and not target.is_symlink():
        # An index folder from elsewhere (copied in by hand): keep it beside, never delete it.
        target.rename(target.parent / f".{target.name}.kept-{version}")
    os.replace(link, target)
    for old in _version_folders(target):
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)
    return folder


def _read_chunks(path: Path) -> list[Chunk]:
    with path.open(encoding="utf-8") as handle:
        return [Chunk(**json.loads(line)) for line in handle if line.strip()]


def load_index(target: Path) -> IndexBundle:
    if not target.exists():
        raise IndexNotFoundError(f"no index at {target}: build one with `qa index build PATH...`")
    location = target.resolve()
    try:
        manifest = json.loads((location / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format_version") != FORMAT_VERSION:
            found = manifest.get("format_version")
            raise IndexCorruptError(f"index at {target} has format {found}, not {FORMAT_VERSION}: rebuild it")
        documents = [
            DocumentMeta(**item) for item in json.loads((location / DOCUMENTS).read_text(encoding="utf-8"))
        ]
        chunks = _read_chunks(location / CHUNKS)
        dense = DenseIndex.load(location / DENSE)
        lexical = LexicalIndex.load(location / LEXICAL, size=len(chunks))
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise IndexCorruptError(f"index at {target} is unreadable ({error}): rebuild it") from error
    if dense.size != len(chunks):
        raise IndexCorruptError(
            f"index at {target}: {dense.size} vectors for {len(chunks)} chunks: rebuild it"
        )
    return IndexBundle(
        manifest=manifest,
        documents={document.doc_id: document for document in documents},
        chunks=chunks,
        dense=dense,
        lexical=lexical,
        location=location,
    )
