// One question and its answer, rebuilt from the turn's state on every change (a token, a language
// switch): the state is the single source of truth and the DOM never drifts from it.
import { copyText, el } from "./dom.js";
import { t } from "./i18n.js";
import { openClause } from "./panel.js";

// [1], [1, 2], [1][2]; the numbers must name a citation of this answer to become chips, so a bracketed
// year such as [2025] stays text.
const MARKER = /[[［]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]］]/g;

export function stripMarkers(text) {
  return text.replace(MARKER, "").replace(/[ \t]+([。，；！？.,;!?])/g, "$1");
}

function chip(citation) {
  return el("button", {
    type: "button",
    class: "chip",
    dataset: { marker: String(citation.marker) },
    "aria-label": t("citeLabel", { n: citation.marker }),
    title: citation.clause_ref || "",
    text: `[${citation.marker}]`,
    onclick: (event) => openClause(citation, event.currentTarget),
  });
}

export function answerText(text, citations) {
  const byMarker = new Map(citations.map((c) => [c.marker, c]));
  const node = el("div", { class: "answer-text" });
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    const markers = match[1].split(/\s*[,，、]\s*/).map(Number);
    if (!markers.every((n) => byMarker.has(n))) continue;
    node.append(text.slice(last, match.index), ...markers.map((n) => chip(byMarker.get(n))));
    last = match.index + match[0].length;
  }
  node.append(text.slice(last));
  return node;
}

function sources(citations) {
  if (!citations.length) return null;
  return el(
    "div",
    { class: "sources" },
    el("h4", { text: t("sources") }),
    el(
      "ol",
      {},
      citations.map((c) =>
        el(
          "li",
          {},
          chip(c),
          el("span", { class: "source-ref", text: c.clause_ref || "" }),
          el("span", { class: "source-title", text: c.document?.title || "" }),
        ),
      ),
    ),
  );
}

// Related clauses of a refusal are reading hints, not evidence: plain list items with the clause
// folded away, deliberately without chips or highlights.
function related(items) {
  if (!items.length) return null;
  return el(
    "div",
    { class: "related" },
    el("h4", { text: t("related") }),
    el(
      "ul",
      {},
      items.map((item) =>
        el(
          "li",
          { class: "related-item" },
          el(
            "details",
            {},
            el(
              "summary",
              {},
              el("span", { class: "source-ref", text: item.clause_ref || "" }),
              el("span", { class: "source-title", text: item.document?.title || "" }),
            ),
            el("p", { class: "clause-text", text: item.text || "" }),
          ),
        ),
      ),
    ),
  );
}

function errorMessage(error) {
  switch (error.kind) {
    case "network":
      return t("errorNetwork");
    case "timeout":
      return t("errorTimeout");
    case "interrupted":
      return t("errorInterrupted");
    case "http":
      if (error.status === 503) return t("errorUnavailable", { detail: error.detail || error.status });
      return error.detail ? `${error.detail} (${error.status})` : t("errorHttp", { status: error.status });
    default:
      return error.status ? `${error.detail} (${error.status})` : error.detail || t("errorHttp", { status: "?" });
  }
}

function errorBox(turn, onRetry) {
  if (turn.error.kind === "aborted") return el("p", { class: "stopped", text: t("stopped") });
  return el(
    "div",
    { class: "error", role: "alert" },
    el("strong", { text: t("errorTitle") }),
    el("p", { class: "error-detail", text: errorMessage(turn.error) }),
    el("button", { type: "button", class: "retry", text: t("retry"), onclick: () => onRetry(turn) }),
  );
}

function copyPayload(turn) {
  const lines = [turn.answer.trim()];
  if (turn.citations.length) {
    lines.push("", `${t("sources")}:`);
    for (const c of turn.citations) lines.push(`[${c.marker}] ${c.document?.title || ""} ${c.clause_ref || ""}`.trim());
  }
  return lines.join("\n");
}

function copyButton(turn) {
  const button = el("button", { type: "button", class: "copy", text: t("copy") });
  button.addEventListener("click", async () => {
    const ok = await copyText(copyPayload(turn));
    button.textContent = ok ? t("copied") : t("copyFailed");
    setTimeout(() => (button.textContent = t("copy")), 2000);
  });
  return button;
}

function footer(turn) {
  if (turn.status !== "done") return null;
  const meta = [];
  if (turn.response?.mode_used === "extractive") meta.push(t("modeExtractive"));
  if (turn.response?.mode_used === "generative") meta.push(t("modeGenerative"));
  if (turn.response?.mode_used === "extractive_busy") meta.push(t("modeExtractiveBusy"));
  const total = turn.response?.timings_ms?.total;
  if (typeof total === "number") meta.push(t("elapsed", { s: (total / 1000).toFixed(1) }));
  return el("div", { class: "msg-footer" }, el("span", { class: "meta", text: meta.join(" · ") }), copyButton(turn));
}

// The server's refusal often just repeats the heading; then the hint says something more useful.
function refusalText(answer) {
  const bare = (text) => text.replace(/[\s。.！!]+$/u, "").trim();
  const text = answer.trim();
  return !text || bare(text) === bare(t("refusedTitle")) ? t("refusedHint") : text;
}

function assistantBody(turn, onRetry) {
  const streaming = turn.status === "streaming";
  if (turn.refused) {
    return [
      el(
        "div",
        { class: "refusal", role: "status" },
        el("strong", { class: "refusal-title", text: t("refusedTitle") }),
        el("p", { class: "refusal-text", text: refusalText(turn.answer) }),
      ),
      related(turn.related),
      turn.error ? errorBox(turn, onRetry) : null,
      footer(turn),
    ];
  }
  return [
    streaming && !turn.answer ? el("p", { class: "thinking", text: t("thinking") }) : null,
    turn.answer ? answerText(turn.answer, turn.citations) : null,
    sources(turn.citations),
    turn.error ? errorBox(turn, onRetry) : null,
    footer(turn),
  ];
}

export function renderTurn(turn, onRetry) {
  const node =
    turn.node ||
    el("li", { class: "turn" }, el("div", { class: "msg user" }), el("div", { class: "msg assistant" }));
  turn.node = node;
  const [user, assistant] = node.children;
  user.replaceChildren(el("div", { class: "who", text: t("you") }), el("div", { class: "bubble", text: turn.question }));
  assistant.setAttribute("aria-busy", String(turn.status === "streaming"));
  assistant.dataset.status = turn.status;
  assistant.replaceChildren(
    el("div", { class: "who", text: t("assistant") }),
    el("div", { class: "bubble" }, assistantBody(turn, onRetry)),
  );
  return node;
}
