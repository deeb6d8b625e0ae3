"""A parsed HTML page → its text lines, in time linear in the size of the page.

The page is walked twice with an explicit stack and never modified. BeautifulSoup's tree edits
(`decompose`, `insert_before`, `replace_with`) and ancestor searches (`find_parent`) each cost time in
proportion to the node's siblings or depth, so calling them for every node made a page of 20,000
paragraphs take 45 s and one of 100,000 nested tags hours. An explicit stack also means no depth of
nesting can exhaust Python's recursion limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, CData, NavigableString, PageElement, Tag

# Page chrome whose text is never policy text.
NOISE_TAGS = frozenset((
    "script", "style", "nav", "aside", "noscript", "iframe", "template", "svg",
    "select", "option", "button", "input", "textarea",
))  # fmt: skip
BLOCK_TAGS = frozenset((
    "address", "article", "blockquote", "caption", "center", "dd", "div", "dl", "dt", "figcaption",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol", "p", "pre", "section",
    "table", "tbody", "tfoot", "thead", "tr", "ul",
))  # fmt: skip
# A page's own <header>/<footer> is chrome, but inside <article>/<main> they hold the title and signature.
_CHROME_OUTSIDE_ARTICLE = frozenset(("header", "footer"))
_ARTICLE_TAGS = frozenset(("article", "main"))
# ASP.NET pages wrap the whole body in one <form>: a form is chrome (a search box) only without these.
_FORM_CONTENT_TAGS = frozenset(("p", "article", "main", "h1", "h2", "h3"))
# What get_text reads: comments, doctypes and processing instructions are not text.
_TEXT_TYPES = (NavigableString, CData)

_CJK = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_IS_CJK = re.compile(f"[{_CJK}]")
# One pass over whitespace runs; the old lookaround pattern restarted at every space of a run, which
# made a single line of a million spaces take hours.
_SOURCE_SPACE_RUN = re.compile(r"[ \t\r\n\f\v]+")


def _join_run(match: re.Match[str]) -> str:
    run = match.group()
    if "\n" not in run:
        return run
    # A newline in HTML source is layout, not text: between CJK characters it is nothing (as
    # browsers render it), elsewhere a space.
    text, start, end = match.string, match.start(), match.end()
    if start > 0 and end < len(text) and _IS_CJK.match(text[start - 1]) and _IS_CJK.match(text[end]):
        return ""
    return " "


def join_source_lines(text: str) -> str:
    return _SOURCE_SPACE_RUN.sub(_join_run, text)


def _children(tag: Tag) -> Iterator[PageElement]:
    return iter(tag.contents)


@dataclass
class PageText:
    pieces: list[str] = field(default_factory=list)  # the body's text, blocks marked with newlines
    heading: list[str] | None = None  # the first <h1>'s text pieces
    title: str | None = None  # the first <title>'s text


def _is_chrome(tag: Tag, articles_open: int) -> bool:
    return tag.name in NOISE_TAGS or (tag.name in _CHROME_OUTSIDE_ARTICLE and articles_open == 0)


def _forms_with_content(soup: BeautifulSoup) -> set[int]:
    """ids of the <form>s holding article-like content outside removed chrome (bottom-up, one pass)."""
    kept: set[int] = set()
    # Each frame: the tag, its children iterator, whether its subtree holds content so far.
    stack: list[tuple[Tag, Iterator[PageElement], list[bool]]] = [(soup, _children(soup), [False])]
    articles_open = 0
    while stack:
        tag, children, holds = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if tag.name in _ARTICLE_TAGS:
                articles_open -= 1
            if tag.name == "form" and holds[0]:
                kept.add(id(tag))
            if stack:
                stack[-1][2][0] = stack[-1][2][0] or holds[0] or tag.name in _FORM_CONTENT_TAGS
            continue
        if isinstance(child, Tag) and not _is_chrome(child, articles_open):
            if child.name in _ARTICLE_TAGS:
                articles_open += 1
            stack.append((child, _children(child), [False]))
    return kept


def page_text(soup: BeautifulSoup) -> PageText:
    """The text of the page's body with newlines around blocks, its first <h1> and its <title>,
    leaving out comments, scripts, navigation, page-level header/footer and small forms."""
    kept_forms = _forms_with_content(soup)
    body = soup.body or soup
    result = PageText()
    heading: list[str] | None = None
    stack: list[tuple[Tag, Iterator[PageElement]]] = [(soup, _children(soup))]
    articles_open = pre_open = body_open = 0
    title_pieces: list[str] | None = None
    in_heading: Tag | None = None
    if body is soup:
        body_open = 1

    def emit(piece: str) -> None:
        if body_open:
            result.pieces.append(piece)
            if heading is not None and in_heading is not None:
                heading.append(piece)

    while stack:
        tag, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if tag is in_heading:
                in_heading = None
                result.heading = heading
            if tag.name in BLOCK_TAGS:
                emit("\n")
            elif tag.name in ("td", "th"):
                emit(" ")
            if tag.name in _ARTICLE_TAGS:
                articles_open -= 1
            if tag.name == "pre":
                pre_open -= 1
            if tag is body and body is not soup:
                body_open = 0
            if tag.name == "title" and title_pieces is not None and result.title is None:
                result.title = " ".join("".join(title_pieces).split())
                title_pieces = None
            continue
        if isinstance(child, NavigableString):
            if type(child) not in _TEXT_TYPES:
                continue
            text = str(child)
            if type(child) is NavigableString and not pre_open and body_open:
                text = join_source_lines(text)
            if title_pieces is not None:
                title_pieces.append(text)
            emit(text)
            continue
        if not isinstance(child, Tag) or _is_chrome(child, articles_open):
            continue
        if child.name == "form" and id(child) not in kept_forms:
            continue
        if child.name == "br":
            emit("\n")
            continue
        if child is body:
            body_open = 1
        if child.name in BLOCK_TAGS:
            emit("\n")
        if child.name in _ARTICLE_TAGS:
            articles_open += 1
        if child.name == "pre":
            pre_open += 1
        if child.name == "h1" and body_open and result.heading is None and in_heading is None:
            in_heading, heading = child, []
        if child.name == "title" and result.title is None and title_pieces is None:
            title_pieces = []
        stack.append((child, _children(child)))
    return result
