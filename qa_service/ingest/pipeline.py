"""Files → cleaned documents → clause chunks, collecting per-file errors instead of stopping."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qa_service.core.config import Settings
from qa_service.ingest.chunking import chunk_document
from qa_service.ingest.cleaning import clean_text
from qa_service.ingest.loaders import load_paths
from qa_service.ingest.models import Chunk, Document, LoadedFile, LoadError
from qa_service.ingest.splitting import split_documents


@dataclass
class IngestResult:
    documents: list[Document] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    files: int = 0


def ingest_text(loaded: LoadedFile, settings: Settings) -> tuple[list[Document], list[Chunk]]:
    source = Path(loaded.source).name
    text = loaded.text if loaded.format == "md" else clean_text(loaded.text)
    documents = [
        document
        for document in split_documents(text, source, max_title_chars=settings.title_max_chars)
        if document.body.strip()
    ]
    chunks = [
        chunk
        for document in documents
        for chunk in chunk_document(
            document,
            max_chars=settings.chunk_max_chars,
            merge_chars=settings.chunk_merge_chars,
            overlap=settings.chunk_overlap_chars,
        )
    ]
    return documents, chunks


def ingest_paths(paths: Iterable[Path], settings: Settings) -> IngestResult:
    loaded_files, errors = load_paths(paths, max_bytes=settings.max_file_bytes)
    result = IngestResult(errors=list(errors), files=len(loaded_files))
    seen_doc_ids: set[str] = set()
    for loaded in loaded_files:
        try:
            documents, chunks = ingest_text(loaded, settings)
        except Exception as error:
            result.errors.append(LoadError(loaded.source, f"could not parse: {error}"))
            continue
        if not documents:
            result.errors.append(LoadError(loaded.source, "no body text (only a title or page furniture)"))
            continue
        clashes = {document.meta.doc_id for document in documents} & seen_doc_ids
        if clashes:
            result.errors.append(
                LoadError(
                    loaded.source, f"duplicate document id {sorted(clashes)[0]} (same file name twice?)"
                )
            )
            continue
        seen_doc_ids.update(document.meta.doc_id for document in documents)
        result.documents.extend(documents)
        result.chunks.extend(chunks)
    return result
