"""The chat page against the real server and model on the seeds index: streamed answers with
citation chips, refusals, follow-ups and the document list."""

from __future__ import annotations

import json
import unicodedata
import urllib.request

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import ask, recorded_events, wait_answered

pytestmark = pytest.mark.browser

QUESTION = "柳州企业技术改造项目补助比例是多少？"


def _expect():
    from playwright.sync_api import expect

    return expect


def _asked(page, question: str, index: int):
    """Asks, waits for the stream to finish; returns the assistant message and the server's events."""
    ask(page, question)
    assistant = wait_answered(page, index)
    assert assistant.get_attribute("data-status") == "done", assistant.text_content()
    return assistant, recorded_events(page, index)


def test_streamed_answer_cites_a_clause_shown_with_its_quote_highlighted(page) -> None:
    expect = _expect()
    assistant, events = _asked(page, QUESTION, 0)
    names = [name for name, _ in events]
    assert names[-1] == "done", names
    assert "citations" in names and ({"token", "replace"} & set(names)), names
    response = events[-1][1]
    assert not response["refused"], response["answer"]
    assert assistant.get_attribute("data-status") == "done"

    chip = assistant.locator(".answer-text .chip").first
    expect(chip).to_be_visible()
    cited = next(c for c in response["citations"] if c["marker"] == int(chip.get_attribute("data-marker")))
    chip.click()

    panel = page.locator("#clause-panel")
    expect(panel).to_be_visible()
    expect(panel.locator(".doc-title")).to_have_text(cited["document"]["title"])
    if cited["document"]["number"]:
        expect(panel.locator(".doc-number")).to_have_text(cited["document"]["number"])
    expect(panel.locator(".clause-ref")).to_have_text(cited["clause_ref"])
    mark = panel.locator(".clause-text mark")
    expect(mark).to_have_count(1)
    quote = mark.text_content()
    clause = panel.locator(".clause-text").text_content()
    assert quote and quote == cited["quote"]
    assert clause == cited["text"] and quote in clause
    assert "null" not in panel.text_content()  # an absent field is left out, not printed
    page.screenshot(path=str(ARTIFACTS / "answer_with_clause_panel.png"))

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()


def test_off_topic_question_is_refused_with_related_clauses_that_are_not_sources(page) -> None:
    expect = _expect()
    assistant, events = _asked(page, "今天天气怎么样", 0)
    response = events[-1][1]
    assert response["refused"] is True

    expect(assistant.locator(".refusal-title")).to_have_text("文件中没有找到相关规定")
    expect(assistant.locator(".chip")).to_have_count(0)
    expect(assistant.locator(".sources")).to_have_count(0)
    expect(assistant.locator(".related-item")).to_have_count(len(response["related"]))
    if response["related"]:
        expect(assistant.locator(".related h4")).to_have_text("相关条款（仅供参考）")


def test_follow_up_sends_the_conversation_so_far(page) -> None:
    expect = _expect()
    sent: list[dict] = []
    page.on(
        "request",
        lambda request: sent.append(request.post_data_json) if request.url.endswith("/ask/stream") else None,
    )
    _, first_events = _asked(page, QUESTION, 0)
    second, _ = _asked(page, "那单个项目最高补助多少？", 1)

    assert second.get_attribute("data-status") == "done"
    expect(second.locator(".answer-text, .refusal-text")).not_to_have_text("")
    assert [body["question"] for body in sent] == [QUESTION, "那单个项目最高补助多少？"]
    assert "history" not in sent[0]
    history = sent[1]["history"]
    assert history[0] == {"role": "user", "content": QUESTION}
    assert history[1]["role"] == "assistant" and history[1]["content"].strip()
    assert len(history) == 2
    # The page never forces an answer mode: the server's default applies.
    assert all("mode" not in body for body in sent)
    assert first_events[-1][0] == "done"

    page.click("#new-chat")
    expect(page.locator("#messages > li")).to_have_count(0)
    expect(page.locator("#empty-state")).to_be_visible()


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def test_document_list_filters_by_title(page, server_url: str) -> None:
    expect = _expect()
    with urllib.request.urlopen(f"{server_url}/documents") as response:
        documents = json.load(response)["documents"]
    assert documents

    page.click("#nav-docs")
    items = page.locator("#doc-list .doc-item")
    expect(items).to_have_count(len(documents))

    needle = documents[0]["title"][:6]
    expected = [doc["title"] for doc in documents if _fold(needle) in _fold(doc["title"])]
    page.fill("#doc-search", needle)
    expect(items).to_have_count(len(expected))
    assert items.locator(".doc-title").all_text_contents() == expected

    page.fill("#doc-search", "没有这样的文件xyz")
    expect(items).to_have_count(0)
    expect(page.locator("#doc-status")).to_have_text("没有匹配的文件")

    page.click("#lang-toggle")
    expect(page.locator("#doc-status")).to_have_text("No matching documents")
    expect(page.locator("#nav-docs")).to_have_text("Documents")
    page.click("#nav-chat")
    expect(page.locator("#empty-state h2")).to_have_text("How can I help?")
