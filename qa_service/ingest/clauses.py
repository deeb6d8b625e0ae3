"""Parses a document body into its clause tree (第X章/第X条, 一、, （一）, 1., （1）, ①, 一是…).

Markers are found anywhere in the text, not only at line starts, because scraped pages often hold a
whole document on one physical line. A marker counts only after a boundary (line start, space or
sentence punctuation) and only when its number continues the sequence of its kind, so an in-text
reference such as "依照第五条" or "第(一)(二)项" is never read as a heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa_service.ingest.numerals import chinese_integer

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_CN_NUM = "[一二三四五六七八九十百零〇两]+"
# Ranks: a marker nests under every open marker of a smaller rank.
MARKER_KINDS: tuple[tuple[str, str], ...] = (
    ("annex", r"附件\s?\d{1,2}(?=[\s:：])"),  # attachments after the last article stand on their own
    ("bian", rf"第{_CN_NUM}编"),
    ("zhang", rf"第{_CN_NUM}章"),
    ("jie", rf"第{_CN_NUM}节"),
    ("tiao", rf"第{_CN_NUM}条"),
    ("cn", rf"{_CN_NUM}[、，,]"),
    ("paren_cn", rf"[（(]{_CN_NUM}[）)]"),
    ("arabic", r"\d{1,2}(?:[、]|[.．](?![\d]))"),
    ("paren_arabic", r"[（(]\d{1,2}[）)]"),
    ("circled", f"[{_CIRCLED}]"),
    ("shi", rf"(?:{_CN_NUM})是(?=[^的否为])"),
)
RANK = {kind: rank for rank, (kind, _) in enumerate(MARKER_KINDS)}
# Kinds numbered through the whole document rather than restarting under each parent.
GLOBAL_SEQUENCE_KINDS = frozenset({"annex", "bian", "zhang", "tiao"})
_BOUNDARY = r"(?:(?<=^)|(?<=[\s。；;：:！!？?]))"
MARKER_RE = re.compile(
    _BOUNDARY + "(?:" + "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in MARKER_KINDS) + ")",
    re.M,
)
_SENTENCE_END = re.compile(r"[。；;！？!?]")
HEADING_MAX_CHARS = 40
RUN_IN_TITLE_MAX_CHARS = 20
SHI_FOLLOW_UP_WINDOW = 1500
_SHI_TWO = re.compile(_BOUNDARY + "二是", re.M)
MAX_SEQUENCE_GAP = 2  # tolerate one missed marker in a sequence


def marker_number(kind: str, label: str) -> int:
    if kind == "circled":
        return _CIRCLED.index(label) + 1
    digits = re.search(r"\d+", label)
    if digits:
        return int(digits.group(0))
    return chinese_integer(re.sub(r"[第编章节条是、，,（）()]", "", label)) or 0


@dataclass
class ClauseNode:
    kind: str  # a marker kind; "root" for the document, "para" for text after an enumeration
    label: str = ""  # "（七）", "第十五条"
    title: str = ""  # heading text of a standalone heading ("构建金融支撑体系")
    text: str = ""  # the clause's own text, label included, before its children
    children: list[ClauseNode] = field(default_factory=list)

    @property
    def heading(self) -> str:
        """Path entry: label plus title for standalone headings, label alone for run-in clauses."""
        if not self.title:
            return self.label
        separator = " " if self.label.endswith(("编", "章", "节", "条")) or self.kind == "annex" else ""
        return f"{self.label}{separator}{self.title}"

    def full_text(self) -> str:
        heading = self.heading if self.title else ""
        parts = [heading, self.text] + [child.full_text() for child in self.children]
        return "\n".join(part for part in parts if part)


@dataclass(frozen=True)
class MarkerHit:
    kind: str
    label: str
    number: int
    start: int


def _continues(number: int, previous: int) -> bool:
    return previous < number <= previous + MAX_SEQUENCE_GAP


def _accept(
    hit: MarkerHit, last_numbers: dict[str, int], closed_numbers: dict[str, int], shi_follow_ups: bool
) -> bool:
    if hit.kind == "shi" and hit.number == 1 and not shi_follow_ups:
        return False
    if hit.number == 1:
        return True
    if hit.kind == "shi":
        return hit.number == last_numbers.get(hit.kind, 0) + 1
    # Some documents number （一）…（十八） straight through their 一、二、 sections.
    return _continues(hit.number, last_numbers.get(hit.kind, 0)) or _continues(
        hit.number, closed_numbers.get(hit.kind, -MAX_SEQUENCE_GAP)
    )


def find_markers(body: str) -> list[MarkerHit]:
    """Heading markers that continue their kind's numbering, in text order."""
    hits: list[MarkerHit] = []
    last_numbers: dict[str, int] = {}
    closed_numbers: dict[str, int] = {}  # numbering of sequences a new parent closed
    for match in MARKER_RE.finditer(body):
        kind = match.lastgroup or ""
        label = match.group(0)
        hit = MarkerHit(kind, label, marker_number(kind, label), match.start())
        # "一是" only opens an enumeration that "二是" continues soon after.
        window = body[hit.start : hit.start + SHI_FOLLOW_UP_WINDOW]
        if not _accept(hit, last_numbers, closed_numbers, bool(_SHI_TWO.search(window))):
            continue
        last_numbers[kind] = hit.number
        # A new parent restarts the numbering of the kinds below it.
        for lower_kind, _ in MARKER_KINDS[RANK[kind] + 1 :]:
            if lower_kind not in GLOBAL_SEQUENCE_KINDS and lower_kind in last_numbers:
                closed_numbers[lower_kind] = last_numbers.pop(lower_kind)
        hits.append(hit)
    return hits


HEADING_KINDS = frozenset({"annex", "bian", "zhang", "jie", "cn"})


def _is_heading_phrase(text: str, max_chars: int) -> bool:
    return bool(text) and len(text) <= max_chars and not _SENTENCE_END.search(text)


def _split_heading(kind: str, label: str, segment: str) -> tuple[str, str]:
    """(title, own text) of a marker's segment; the title is empty for a run-in clause."""
    if kind not in HEADING_KINDS:
        return "", segment.strip()
    first_line, _, remainder = segment[len(label) :].partition("\n")
    first_line = first_line.strip()
    if _is_heading_phrase(first_line, HEADING_MAX_CHARS):
        return first_line, remainder.strip()
    # One-line pages: "二、功能定位 概念验证是…" — a short phrase, a space, then the text.
    phrase, space, after = first_line.partition(" ")
    if space and _is_heading_phrase(phrase, RUN_IN_TITLE_MAX_CHARS):
        return phrase, "\n".join(part for part in (after.strip(), remainder.strip()) if part)
    return "", segment.strip()


def parse_clauses(body: str) -> ClauseNode:
    """The clause tree of a document body; the root's text is the preamble before the first marker."""
    root = ClauseNode(kind="root")
    hits = find_markers(body)
    root.text = body[: hits[0].start].strip() if hits else body.strip()
    stack: list[ClauseNode] = [root]
    for position, hit in enumerate(hits):
        end = hits[position + 1].start if position + 1 < len(hits) else len(body)
        segment = body[hit.start : end].strip()
        while len(stack) > 1 and RANK[stack[-1].kind] >= RANK[hit.kind]:
            stack.pop()
        parent = stack[-1]
        continuation = ""
        if hit.kind == "shi":
            # An inline enumeration ends with its paragraph; what follows belongs to the parent.
            segment, _, continuation = segment.partition("\n")
        title, text = _split_heading(hit.kind, hit.label, segment)
        node = ClauseNode(kind=hit.kind, label=hit.label, title=title, text=text)
        parent.children.append(node)
        if continuation.strip():
            parent.children.append(ClauseNode(kind="para", text=continuation.strip()))
            continue
        stack.append(node)
    _fold_lead_ins(root)
    return root


def _fold_lead_ins(node: ClauseNode) -> None:
    """A short clause text followed by sub-items ("第七条 …应具备以下条件:") is their heading,
    never a chunk of its own."""
    for child in node.children:
        _fold_lead_ins(child)
        lead_in = child.text[len(child.label) :].strip() if child.text.startswith(child.label) else ""
        if child.children and not child.title and lead_in and len(child.text) <= HEADING_MAX_CHARS:
            child.title, child.text = lead_in, ""
