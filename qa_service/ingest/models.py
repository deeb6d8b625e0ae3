"""Records that flow through ingestion: loaded files, documents and clause chunks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class LoadedFile:
    """Plain text extracted from one source file, before cleaning."""

    source: str
    text: str
    format: str


@dataclass(frozen=True)
class LoadError:
    source: str
    reason: str


@dataclass
class DocumentMeta:
    doc_id: str
    title: str
    number: str | None
    issuer: str | None
    date: str | None
    source: str
    short_title: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Document:
    meta: DocumentMeta
    body: str  # display text (cleaned, original script)


@dataclass
class Chunk:
    chunk_id: str
    doc_id: str
    text: str  # display text, original script
    clause_path: list[str]
    clause_ref: str
    part: int = 0  # >0 when an over-long clause was split
    parts: int = 0
    norm_text: str = ""  # normalised (NFKC + simplified) form used for matching
    index_text: str = ""  # what is embedded and BM25-indexed: title + path + text
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
