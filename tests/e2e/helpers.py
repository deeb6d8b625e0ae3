"""Driving the chat page, and canned /ask/stream bodies for the cases the seeds cannot produce on
demand (a server error mid-stream, a quote missing from its clause, hostile clause text)."""

from __future__ import annotations

import json

# A real answer on a 2-core CI machine: retrieval, then the small CPU model, then verification.
ANSWER_TIMEOUT_MS = 90_000


def ask(page, question: str) -> None:
    page.fill("#question", question)
    page.press("#question", "Enter")


def turn(page, index: int):
    return page.locator("#messages > li.turn").nth(index)


def wait_answered(page, index: int):
    """The turn's assistant message once its stream has finished (done or error)."""
    finished = turn(page, index).locator(
        ".msg.assistant[data-status=done], .msg.assistant[data-status=error]"
    )
    finished.wait_for(timeout=ANSWER_TIMEOUT_MS)
    return finished


# Chromium keeps no copy of a body that page script reads as a stream, so Playwright's response.text()
# cannot see /ask/stream; a tee made in the page (clone) records what the server sent, byte for byte.
RECORD_STREAMS = """
window.__askStreams = [];
const originalFetch = window.fetch;
window.fetch = async (...args) => {
  const response = await originalFetch(...args);
  if (String(args[0]).endsWith("ask/stream") && response.ok) {
    const slot = window.__askStreams.push(null) - 1;
    response
      .clone()
      .text()
      .then((text) => (window.__askStreams[slot] = text))
      .catch((error) => (window.__askStreams[slot] = `: stream failed: ${error}`));
  }
  return response;
};
"""


def recorded_events(page, index: int) -> list[tuple[str, dict]]:
    """The events of the index-th successful /ask/stream response of this page."""
    page.wait_for_function(f"window.__askStreams[{index}] != null", timeout=ANSWER_TIMEOUT_MS)
    return parse_sse(page.evaluate(f"window.__askStreams[{index}]"))


def sse(*events: tuple[str, dict]) -> str:
    # \r\n line ends on purpose: sse-starlette and others send them, and the parser must cope.
    return "".join(
        f"event: {name}\r\ndata: {json.dumps(data, ensure_ascii=False)}\r\n\r\n" for name, data in events
    )


def parse_sse(body: str) -> list[tuple[str, dict]]:
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            events.append((lines["event"], json.loads(lines.get("data") or "{}")))
    return events


DOCUMENT = {
    "id": "doc-1",
    "title": "测试市支持制造业转型升级的若干措施",
    "number": "测政规〔2025〕1号",
    "issuer": "测试市人民政府",
    "date": "2025-04-01",
    "source": "https://example.gov.cn/policy/a-very-long-path-segment-that-must-wrap-on-a-phone-screen.html",
}


def citation(marker: int, text: str, quote: str, clause_ref: str = "测政规〔2025〕1号 一、(一)") -> dict:
    return {
        "marker": marker,
        "chunk_id": f"doc-1:{marker}",
        "text": text,
        "quote": quote,
        "clause_path": ["一、", "(一)"],
        "clause_ref": clause_ref,
        "score": 0.9,
        "document": DOCUMENT,
    }


def done(
    answer: str, citations: list[dict], related: list[dict] | None = None, refused: bool = False
) -> dict:
    return {
        "answer": answer,
        "refused": refused,
        "mode_used": "refusal" if refused else "extractive",
        "citations": citations,
        "related": related or [],
        "query": "q",
        "lang": "zh",
        "model": "",
        "timings_ms": {"retrieve": 10.0, "generate": 0.0, "total": 12.0},
    }


def fulfil_sse(route, body: str) -> None:
    route.fulfill(status=200, headers={"content-type": "text/event-stream"}, body=body)
