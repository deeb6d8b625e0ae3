"""Finds the documents inside one cleaned page and reads each one's metadata.

A listing page may hold several policy documents (each a title line followed by its body) and
list pages of titles with no body; only titles that are followed by a body start a document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from qa_service.ingest import metadata as meta_rules
from qa_service.ingest.models import Document, DocumentMeta
from qa_service.ingest.normalize import normalize_for_matching

TITLE_ENDINGS = (
    "通知", "办法", "方案", "意见", "答复", "复函", "函", "决定", "规定", "批复", "报告", "公告", "通告",
    "细则", "措施", "计划", "指引", "条例", "规划", "纲要", "规则", "指南", "说明",
)  # fmt: skip
_TRAILING_NUMBER = re.compile(r"\s*[(（][^()（）]*[号號][)）]\s*$")
_FULL_TEXT_FOLLOWS = re.compile(r"^(《[^《》]{2,80}》)\s*全文如下")
_DATE_LINE = re.compile(r"^(?:19|20)\d{2}-\d{1,2}(?:-\d{1,2})?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_SOURCE_LINE = re.compile(r"^(?:(?:19|20)\d{2}-\d{1,2}-\d{1,2}.*)?(來源|来源|信息来源|发布时间|發布時間)")
_ADDRESSEE = re.compile(r"[:：]$")
MIN_BODY_LINE_CHARS = 20
MAX_LINES_BEFORE_BODY = 4
MAX_HEAD_CHARS_FOR_DATE = 200  # a covering notice's date sits in its first lines
MD_TITLE = re.compile(r"^#\s+(.+)$", re.M)
MD_INFO_END = "<!-- INFO END -->"


@dataclass(frozen=True)
class TitleHit:
    line_index: int
    line_count: int  # a title may wrap onto a second line
    title: str
    body_from_title: bool  # "《X》全文如下。": the line names the document, body follows


def _looks_like_title(line: str, max_chars: int) -> bool:
    if not line or len(line) > max_chars or "。" in line or "；" in line:
        return False
    norm = normalize_for_matching(line)
    core = _TRAILING_NUMBER.sub("", norm).rstrip('”"」 ')
    if re.fullmatch(r"《[^《》]+》", core):
        return True
    return ("关于" in core or "印发" in core) and core.endswith(TITLE_ENDINGS)


def _is_metadata_line(line: str) -> bool:
    return bool(_DATE_LINE.match(line) or _SOURCE_LINE.match(normalize_for_matching(line)))


def _can_start_wrapped_title(lines: list[str], index: int, max_title_chars: int) -> bool:
    """A title wrapped onto two lines: "关于…会议" + "第N号提案答复的函"."""
    if index + 1 >= len(lines):
        return False
    line, following = lines[index], lines[index + 1]
    if _is_metadata_line(line) or re.search(r"[:：]", line) or _looks_like_title(following, max_title_chars):
        return False
    return _looks_like_title(line + following, max_title_chars)


def _has_body_after(lines: list[str], start: int, max_title_chars: int) -> bool:
    for line in lines[start : start + MAX_LINES_BEFORE_BODY]:
        if _is_metadata_line(line):
            continue
        if _looks_like_title(line, max_title_chars):
            return False
        return len(line) >= MIN_BODY_LINE_CHARS or bool(_ADDRESSEE.search(line))
    return False


def find_titles(lines: list[str], max_title_chars: int) -> list[TitleHit]:
    hits: list[TitleHit] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        full_text = _FULL_TEXT_FOLLOWS.match(line)
        if full_text:
            hits.append(TitleHit(index, 1, full_text.group(1), True))
            index += 1
            continue
        span = 0
        if _looks_like_title(line, max_title_chars):
            span = 1
        elif _can_start_wrapped_title(lines, index, max_title_chars):
            span = 2
        if span and _has_body_after(lines, index + span, max_title_chars):
            hits.append(TitleHit(index, span, "".join(lines[index : index + span]), False))
            index += span
            continue
        index += 1
    return hits


def _body_lines(lines: list[str]) -> list[str]:
    """Drops the posting-date/source lines that sit between a title and its text, and date fragments."""
    body = list(lines)
    while body and _is_metadata_line(body[0]):
        body.pop(0)
    return [line for line in body if not _DATE_LINE.match(line)]


def _build_meta(doc_id: str, title: str, body: str, page_fields: dict[str, str], source: str) -> DocumentMeta:
    head = body[:80]
    number = meta_rules.find_doc_number(title) or meta_rules.find_doc_number(head)
    if not number and page_fields.get("文号"):
        number = meta_rules.find_doc_number(page_fields["文号"])
    issuer, date = meta_rules.find_signature(body)
    issuer = issuer or page_fields.get("发布机构") or meta_rules.issuer_from_title(title)
    if not date and "成文日期" in page_fields:
        date = meta_rules.first_date(page_fields["成文日期"])
    date = date or meta_rules.first_date(body[:MAX_HEAD_CHARS_FOR_DATE])
    return DocumentMeta(
        doc_id=doc_id,
        title=title.strip(),
        number=number,
        issuer=issuer,
        date=date,
        source=source,
        short_title=meta_rules.short_title(title),
    )


def _split_markdown_law(text: str, source: str, doc_prefix: str) -> list[Document]:
    title_match = MD_TITLE.search(text)
    title = title_match.group(1).strip() if title_match else PurePath(source).stem
    head, _, body = text.partition(MD_INFO_END)
    if not body:
        head, body = "", text[title_match.end() :] if title_match else text
    date = meta_rules.first_date(PurePath(source).stem) or meta_rules.first_date(head)
    issuer_match = re.search(
        r"([\u4e00-\u9fff]{2,30}?(?:委员会|常务委员会|人民代表大会|国务院|法院|检察院))", head
    )
    meta = DocumentMeta(
        doc_id=f"{doc_prefix}-01",
        title=title,
        number=None,
        issuer=issuer_match.group(1) if issuer_match else None,
        date=date,
        source=source,
        short_title=title,
    )
    return [Document(meta=meta, body=body.strip())]


def split_documents(
    text: str, source: str, *, max_title_chars: int = 120, doc_prefix: str | None = None
) -> list[Document]:
    """Documents of one cleaned page, in page order; a page with no recognisable title is one document.

    Their ids are `doc_prefix` (default: the file name's stem) and an ordinal: `<prefix>-01`.
    """
    doc_prefix = doc_prefix or PurePath(source).stem
    if MD_TITLE.match(text.lstrip()):
        return _split_markdown_law(text, source, doc_prefix)
    lines = [line for line in text.split("\n") if line.strip()]
    page_fields = meta_rules.parse_metadata_fields(lines)
    hits = find_titles(lines, max_title_chars)
    if not hits:
        first = lines[0] if lines else ""
        title = first if _looks_like_title(first, max_title_chars) else PurePath(source).stem
        body_lines = lines[1:] if title == first else lines
        body = "\n".join(_body_lines(body_lines))
        return [Document(_build_meta(f"{doc_prefix}-01", title, body, page_fields, source), body)]
    documents: list[Document] = []
    for ordinal, hit in enumerate(hits, start=1):
        end = hits[ordinal].line_index if ordinal < len(hits) else len(lines)
        body = "\n".join(_body_lines(lines[hit.line_index + hit.line_count : end]))
        doc_id = f"{doc_prefix}-{ordinal:02d}"
        documents.append(Document(_build_meta(doc_id, hit.title, body, page_fields, source), body))
    return documents
