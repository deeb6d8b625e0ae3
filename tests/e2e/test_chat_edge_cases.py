"""What the page does when things go wrong, and with answers the seeds cannot produce on demand:
/ask/stream is intercepted in the browser (page.route); the page itself comes from the real server."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import DOCUMENT, ask, citation, done, fulfil_sse, sse, turn, wait_answered

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.__xss = 1">'
CLAUSE_1 = "（一）技术改造。对企业技术改造项目，按不超过设备投资额的15%予以补助，单个项目最高400万元。"
QUOTE_1 = "按不超过设备投资额的15%予以补助"
CLAUSE_2 = f"（二）数字化转型。{HOSTILE}对数字化改造项目给予支持。" + "很长的条款内容" * 40
ANSWER = "技术改造按设备投资额的15%补助[1]，数字化改造另有支持[2]。文号写作柳政规[2025]3号。"


def _expect():
    from playwright.sync_api import expect

    return expect


def _canned_answer() -> str:
    citations = [citation(1, CLAUSE_1, QUOTE_1), citation(2, CLAUSE_2, "这句话不在条款里")]
    return sse(
        ("token", {"text": "未经核实的"}),
        ("token", {"text": "内容"}),
        ("replace", {"text": ANSWER}),
        ("citations", {"citations": citations, "related": [], "refused": False}),
        ("done", done(ANSWER, citations)),
    )


def test_canned_answer_replaces_escapes_and_highlights(page) -> None:
    expect = _expect()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.route("**/ask/stream", lambda route: fulfil_sse(route, _canned_answer()))
    ask(page, "技改补助多少？")
    assistant = wait_answered(page, 0)

    expect(assistant.locator(".answer-text")).to_have_text(ANSWER)
    assert "未经核实" not in assistant.text_content()
    # [2025] names no citation, so it stays text.
    assert assistant.locator(".answer-text .chip").all_text_contents() == ["[1]", "[2]"]

    assistant.locator(".answer-text .chip[data-marker='2']").click()
    panel = page.locator("#clause-panel")
    expect(panel.locator(".clause-text")).to_have_text(CLAUSE_2)
    expect(panel.locator("mark")).to_have_count(0)
    expect(panel.locator(".quote-missing")).to_be_visible()
    assert page.evaluate("window.__xss") is None
    expect(panel.locator(".doc-source a")).to_have_attribute("href", DOCUMENT["source"])

    page.click(".panel-close")
    assistant.locator(".answer-text .chip[data-marker='1']").click()
    expect(panel.locator("mark")).to_have_text(QUOTE_1)
    page.click(".panel-close")

    assistant.locator(".copy").click()
    expect(assistant.locator(".copy")).to_have_text("已复制")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(ANSWER) and "[1] 测试市支持制造业转型升级的若干措施" in copied


def test_example_question_is_asked_without_forcing_a_mode(page) -> None:
    expect = _expect()
    bodies: list[dict] = []

    def answer(route) -> None:
        bodies.append(json.loads(route.request.post_data))
        fulfil_sse(route, _canned_answer())

    page.route("**/ask/stream", answer)
    example = page.locator("#examples .example").first
    question = example.text_content()
    assert "技术改造" in question
    example.click()
    wait_answered(page, 0)
    expect(turn(page, 0).locator(".msg.user .bubble")).to_have_text(question)
    assert bodies == [{"question": question}]
    expect(page.locator("#empty-state")).to_be_hidden()


@pytest.mark.parametrize(
    ("respond", "message"),
    [
        (lambda route: route.abort(), "无法连接服务器"),
        (
            lambda route: route.fulfill(status=503, json={"detail": "index is missing"}),
            "服务暂时不可用：index is missing",
        ),
        (
            lambda route: route.fulfill(
                status=422, json={"detail": [{"loc": ["body", "question"], "msg": "Field required"}]}
            ),
            "question: Field required (422)",
        ),
        (
            lambda route: fulfil_sse(
                route,
                sse(
                    ("token", {"text": "部分回答"}),
                    ("error", {"detail": "internal error while answering", "status": 500}),
                ),
            ),
            "internal error while answering (500)",
        ),
        (lambda route: fulfil_sse(route, sse(("token", {"text": "部分回答"}))), "回答传输中断"),
    ],
    ids=["network", "http-503", "http-422-list", "sse-error-event", "stream-cut-off"],
)
def test_errors_show_in_the_conversation(page, respond, message: str, request) -> None:
    expect = _expect()
    page.route("**/ask/stream", respond)
    ask(page, "技改补助多少？")
    assistant = wait_answered(page, 0)
    expect(assistant.locator(".error")).to_be_visible()
    expect(assistant.locator(".error-detail")).to_contain_text(message)
    page.screenshot(path=str(ARTIFACTS / f"error_{request.node.callspec.id}.png"))


def test_silent_server_times_out_and_retry_answers(page, server_url: str) -> None:
    expect = _expect()
    page.add_init_script("window.QA_TIMEOUT_MS = 1000")
    page.goto(server_url)
    page.route("**/ask/stream", lambda route: None)  # never answered
    ask(page, "技改补助多少？")
    assistant = wait_answered(page, 0)
    expect(assistant.locator(".error-detail")).to_have_text("服务器长时间没有响应，请稍后再试。")

    page.unroute("**/ask/stream")
    page.route("**/ask/stream", lambda route: fulfil_sse(route, _canned_answer()))
    assistant.locator(".retry").click()
    expect(turn(page, 0).locator(".msg.assistant[data-status=done] .answer-text")).to_have_text(ANSWER)


def test_stop_ends_the_answer_and_frees_the_box(page) -> None:
    expect = _expect()
    page.route("**/ask/stream", lambda route: None)
    ask(page, "技改补助多少？")
    expect(page.locator("#send")).to_have_text("停止")
    page.click("#send")
    expect(turn(page, 0).locator(".stopped")).to_have_text("已停止。")
    expect(page.locator("#send")).to_have_text("发送")


def _horizontal_overflow(page) -> list[str]:
    return page.evaluate(
        """() => ['html', '#conversation', '#docs-view', '.panel-body']
            .map(sel => document.querySelector(sel))
            .filter(node => node && node.offsetParent !== null || node === document.documentElement)
            .filter(node => node.scrollWidth > node.clientWidth + 1)
            .map(node => `${node.id || node.tagName}: ${node.scrollWidth} > ${node.clientWidth}`)"""
    )


def test_phone_width_has_no_horizontal_scroll_and_a_bottom_sheet(phone_page) -> None:
    expect = _expect()
    page = phone_page
    assert _horizontal_overflow(page) == []
    page.screenshot(path=str(ARTIFACTS / "phone_empty.png"))

    page.route("**/ask/stream", lambda route: fulfil_sse(route, _canned_answer()))
    ask(page, "技改补助多少？" + "很长的问题" * 30)
    assistant = wait_answered(page, 0)
    assert _horizontal_overflow(page) == []

    assistant.locator(".answer-text .chip[data-marker='2']").tap()
    panel = page.locator("#clause-panel")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert box["x"] == 0 and box["width"] == 375
    assert abs(box["y"] + box["height"] - 740) <= 1 and box["y"] > 0  # anchored to the bottom
    assert _horizontal_overflow(page) == []
    page.screenshot(path=str(ARTIFACTS / "phone_clause_sheet.png"))

    page.click(".panel-close")
    page.click("#nav-docs")
    expect(page.locator("#doc-list .doc-item").first).to_be_visible()
    assert _horizontal_overflow(page) == []


def test_sse_parser_gives_the_same_events_however_the_stream_is_cut(page) -> None:
    # Network chunks split lines, \r\n pairs and multi-byte characters anywhere.
    result = page.evaluate(
        """async () => {
            const { SseParser } = await import('/static/stream.js');
            const body = 'event: token\\r\\ndata: {"text":"技改"}\\r\\n\\r\\n: keep-alive\\n'
                + 'event: done\\ndata: {"a":1}\\n\\nevent: token\\rdata: x\\r\\rdata: tail';
            const runs = [];
            for (const size of [1, 2, 3, 5, 1000]) {
                const parser = new SseParser();
                const events = [];
                for (let i = 0; i < body.length; i += size) events.push(...parser.push(body.slice(i, i + size)));
                events.push(...parser.end());
                runs.push(JSON.stringify(events));
            }
            return runs;
        }"""
    )
    expected = [
        {"event": "token", "data": '{"text":"技改"}'},
        {"event": "done", "data": '{"a":1}'},
        {"event": "token", "data": "x"},
        {"event": "message", "data": "tail"},
    ]
    assert [json.loads(run) for run in result] == [expected] * 5
