// The conversation: asking, streaming into the current turn, follow-up history, new conversation.
import { askStream, AskError, DEFAULT_TIMEOUT_MS } from "./stream.js";
import { renderTurn, stripMarkers } from "./turn.js";
import { closeClause } from "./panel.js";

// Messages (not exchanges) of history sent with a follow-up: enough to resolve "那贴息呢？", short
// enough to keep the small model's prompt for the clauses.
const HISTORY_MESSAGES = 6;

const turns = [];
let controller = null;
let onBusyChange = () => {};

const list = () => document.getElementById("messages");

export function isBusy() {
  return controller !== null;
}

// Only answered exchanges go back to the server: a failed one has no answer to build on. Markers are
// dropped because their numbers point at the previous answer's clauses, not the next one's.
export function history() {
  const messages = [];
  for (const turn of turns) {
    if (turn.status !== "done" || !turn.answer.trim()) continue;
    messages.push({ role: "user", content: turn.question });
    messages.push({ role: "assistant", content: stripMarkers(turn.answer).trim() });
  }
  return messages.slice(-HISTORY_MESSAGES);
}

function update(turn) {
  const conversation = document.getElementById("conversation");
  // Follow the stream only when the reader is already at the bottom; never yank them back up/down.
  const atBottom = conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < 80;
  renderTurn(turn, retry);
  if (atBottom) conversation.scrollTop = conversation.scrollHeight;
}

function apply(turn, event, payload) {
  if (event === "token") turn.answer += payload.text ?? "";
  else if (event === "replace") turn.answer = payload.text ?? "";
  else if (event === "citations") {
    turn.citations = payload.citations ?? [];
    turn.related = payload.related ?? [];
    turn.refused = Boolean(payload.refused);
  } else if (event === "done") {
    turn.response = payload;
    // The final response is authoritative: it is what the server verified.
    if (typeof payload.answer === "string") turn.answer = payload.answer;
    if (Array.isArray(payload.citations)) turn.citations = payload.citations;
    if (Array.isArray(payload.related)) turn.related = payload.related;
    if ("refused" in payload) turn.refused = Boolean(payload.refused);
  }
  update(turn);
}

async function run(turn) {
  const body = { question: turn.question };
  if (turn.history.length) body.history = turn.history;
  const mine = new AbortController();
  controller = mine;
  onBusyChange(true);
  try {
    const timeoutMs = window.QA_TIMEOUT_MS || DEFAULT_TIMEOUT_MS; // tests shorten it
    await askStream(body, (event, payload) => apply(turn, event, payload), {
      signal: mine.signal,
      timeoutMs,
    });
    turn.status = "done";
  } catch (error) {
    turn.status = "error";
    turn.error = error instanceof AskError ? error : new AskError("network", String(error));
  } finally {
    // A new conversation may have started meanwhile; its stream is not this one to clear.
    if (controller === mine) {
      controller = null;
      onBusyChange(false);
    }
    update(turn);
  }
}

export function ask(question) {
  const text = question.trim();
  if (!text || isBusy()) return false;
  document.body.classList.add("has-messages");
  const turn = {
    question: text,
    history: history(),
    answer: "",
    citations: [],
    related: [],
    refused: false,
    status: "streaming",
    error: null,
    response: null,
    node: null,
  };
  turns.push(turn);
  list().append(renderTurn(turn, retry));
  update(turn);
  run(turn);
  return true;
}

function retry(turn) {
  if (isBusy()) return;
  Object.assign(turn, { answer: "", citations: [], related: [], refused: false, error: null, response: null });
  turn.status = "streaming";
  update(turn);
  run(turn);
}

export function stop() {
  controller?.abort();
}

export function newConversation() {
  stop();
  controller = null;
  onBusyChange(false);
  turns.length = 0;
  list().replaceChildren();
  closeClause();
  document.body.classList.remove("has-messages");
}

export function rerenderAll() {
  for (const turn of turns) renderTurn(turn, retry);
}

export function setupChat(busyListener) {
  onBusyChange = busyListener;
}
