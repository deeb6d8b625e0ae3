"""Turns a document's clause tree into retrieval chunks, one clause each.

A clause whose whole text (children included) fits in the size limit stays one chunk, so a short
article keeps its list items together and a quote across items is found in one place; larger
clauses are split along their children, and an over-long leaf is cut on sentence ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from qa_service.ingest.clauses import HEADING_KINDS, ClauseNode, parse_clauses
from qa_service.ingest.models import Chunk, Document
from qa_service.ingest.normalize import normalize_for_matching

PREAMBLE_LABEL = "正文"
ARTICLE_LEVEL_KINDS = frozenset({"bian", "zhang", "jie", "tiao"})
SENTENCE_SEPARATORS = ["\n", "。", "；", ";", "！", "？", "，", ",", ""]


@dataclass(frozen=True)
class ClauseText:
    path: list[ClauseNode]
    text: str
    heading: str = ""  # a standalone heading printed above the text

    @property
    def display_text(self) -> str:
        return f"{self.heading}\n{self.text}" if self.heading else self.text


def _emit(node: ClauseNode, path: list[ClauseNode], max_chars: int, merge_chars: int) -> Iterator[ClauseText]:
    own_path = path if node.kind in ("root", "para") else [*path, node]
    full_text = node.full_text()
    if not full_text:
        return
    # Articles are the citeable unit of a law: a chapter is never merged into one chunk.
    holds_articles = any(child.kind in ARTICLE_LEVEL_KINDS for child in node.children)
    limit = max_chars if not node.children else merge_chars
    if node.kind != "root" and not holds_articles and len(full_text) <= limit:
        yield ClauseText(own_path, full_text)
        return
    if node.text:
        yield ClauseText(own_path, node.text, node.heading if node.title else "")
    for child in node.children:
        yield from _emit(child, own_path, max_chars, merge_chars)


def render_clause_ref(document_label: str, path: list[ClauseNode]) -> str:
    """ "柳政规〔2025〕3号 二、（七）": ancestors by label, the clause itself with its heading."""
    if not path:
        return f"{document_label} {PREAMBLE_LABEL}"
    if any(node.kind == "tiao" for node in path):
        # Articles are numbered through the whole document: 第七条(四), not 第二章第七条(四).
        path = [node for node in path if node.kind not in ("bian", "zhang", "jie")]
    last = path[-1]
    parts = [node.label for node in path[:-1]] + [last.heading if last.kind in HEADING_KINDS else last.label]
    return f"{document_label} {''.join(parts)}"


def build_index_text(document: Document, headings: list[str], text: str) -> str:
    """What is embedded and BM25-indexed: the title and heading path carry the clause's topic.
    The preamble (no heading) also carries issuer and date, so "who issued it, when" finds it."""
    meta = document.meta
    header = " ".join(part for part in (meta.title, meta.number or "") if part)
    if not headings:
        header = " ".join(part for part in (header, meta.issuer or "", meta.date or "") if part)
    return "\n".join(part for part in (header, " ".join(headings), text) if part)


def chunk_document(
    document: Document, *, max_chars: int, merge_chars: int | None = None, overlap: int = 0
) -> list[Chunk]:
    """`max_chars` bounds every chunk; a clause with sub-clauses stays whole only up to `merge_chars`,
    so that a citation can name the sub-clause that says it."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=max_chars,
        chunk_overlap=overlap,
        separators=SENTENCE_SEPARATORS,
        keep_separator="end",
    )
    document_label = document.meta.number or document.meta.short_title
    chunks: list[Chunk] = []
    merge_chars = max_chars if merge_chars is None else min(merge_chars, max_chars)
    for clause in _emit(parse_clauses(document.body), [], max_chars, merge_chars):
        if len(clause.display_text) <= max_chars:
            pieces = [clause.display_text]
        else:
            # The heading stays in the clause path (and the indexed text), not as a piece of its own.
            pieces = splitter.split_text(clause.text)
        headings = [node.heading for node in clause.path]
        clause_ref = render_clause_ref(document_label, clause.path)
        for part, piece in enumerate(pieces, start=1):
            index_text = build_index_text(document, headings, piece)
            chunks.append(
                Chunk(
                    chunk_id=f"{document.meta.doc_id}:{len(chunks) + 1:04d}",
                    doc_id=document.meta.doc_id,
                    text=piece,
                    clause_path=headings,
                    clause_ref=clause_ref,
                    part=part if len(pieces) > 1 else 0,
                    parts=len(pieces) if len(pieces) > 1 else 0,
                    norm_text=normalize_for_matching(piece),
                    index_text=normalize_for_matching(index_text),
                )
            )
    return chunks
