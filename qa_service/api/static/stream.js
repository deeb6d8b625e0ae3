// POST /ask/stream and its Server-Sent Events. EventSource can only GET, so the stream is read with
// fetch and parsed here.
import { authFetch } from "./auth.js";

export const DEFAULT_TIMEOUT_MS = 60000;

// kind: "http" (error before streaming), "network", "timeout", "interrupted" (stream ended early or
// was garbled), "server" (an `error` event), "aborted" (the user pressed stop).
export class AskError extends Error {
  constructor(kind, detail = "", status = null) {
    super(detail || kind);
    this.kind = kind;
    this.detail = detail;
    this.status = status;
  }
}

// Incremental SSE parser (the WHATWG rules that matter here): lines end in \n, \r\n or \r; a blank
// line ends an event; "data:" lines join with \n; lines starting with ":" are keep-alive comments.
export class SseParser {
  constructor() {
    this.buffer = "";
    this.reset();
  }

  reset() {
    this.name = "";
    this.data = [];
  }

  push(text) {
    let pending = this.buffer + text;
    // A chunk may end between the \r and \n of one line break; holding the \r back keeps that from
    // reading as two breaks, i.e. an early end of event.
    let held = "";
    if (pending.endsWith("\r")) {
      held = "\r";
      pending = pending.slice(0, -1);
    }
    const lines = pending.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() + held;
    const events = [];
    for (const line of lines) this.line(line, events);
    return events;
  }

  // The stream closed: a last event without its blank line still counts (lenient on purpose).
  end() {
    const events = [];
    const rest = this.buffer.replace(/\r$/, "");
    this.buffer = "";
    if (rest) this.line(rest, events);
    this.dispatch(events);
    return events;
  }

  line(line, events) {
    if (line === "") return this.dispatch(events);
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.name = value;
    else if (field === "data") this.data.push(value);
  }

  dispatch(events) {
    if (this.name || this.data.length) {
      events.push({ event: this.name || "message", data: this.data.join("\n") });
    }
    this.reset();
  }
}

// The message of an HTTP error body: {"detail": str} or FastAPI's 422 list of {loc, msg}.
export async function errorDetail(response) {
  let text = "";
  try {
    text = await response.text();
  } catch {
    return response.statusText || "";
  }
  try {
    const detail = JSON.parse(text).detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail
        .map((item) => {
          const where = Array.isArray(item?.loc) ? item.loc.filter((p) => p !== "body").join(".") : "";
          const msg = item?.msg ?? JSON.stringify(item);
          return where ? `${where}: ${msg}` : msg;
        })
        .join("; ");
    }
    if (detail != null) return JSON.stringify(detail);
  } catch {
    // not JSON: a proxy's HTML error page, say; a short plain excerpt is better than nothing
  }
  return text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 200) || response.statusText;
}

// Streams one answer. onEvent(name, payload) gets token/replace/citations/done; resolves with the
// `done` payload, rejects with an AskError. The timeout is on silence, not total time: a slow CPU
// model that keeps sending tokens is not cut off, a server that stops talking is.
export async function askStream(body, onEvent, { signal, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  const controller = new AbortController();
  let timedOut = false;
  let timer = null;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
  };
  const onUserAbort = () => controller.abort();
  signal?.addEventListener("abort", onUserAbort, { once: true });
  const failure = (kind, error) => {
    if (timedOut) return new AskError("timeout");
    if (signal?.aborted) return new AskError("aborted");
    return error instanceof AskError ? error : new AskError(kind, error?.message ?? "");
  };

  arm();
  try {
    let response;
    try {
      response = await authFetch(
        // Relative: the page may be served under a proxy's sub-path (e.g. /qa/).
        "ask/stream",
        {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
          body: JSON.stringify(body),
          signal: controller.signal,
        },
        { beforeRetry: arm },
      );
    } catch (error) {
      throw failure("network", error);
    }
    if (!response.ok) throw new AskError("http", await errorDetail(response), response.status);
    if (!response.body) throw new AskError("interrupted");

    const reader = response.body.getReader();
    const decoder = new TextDecoder("utf-8");
    const parser = new SseParser();
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw failure("interrupted", error);
      }
      const events = chunk.done
        ? parser.push(decoder.decode()).concat(parser.end())
        : parser.push(decoder.decode(chunk.value, { stream: true }));
      if (!chunk.done) arm();
      for (const { event, data } of events) {
        const result = handle(event, data, onEvent);
        if (result !== undefined) {
          reader.cancel().catch(() => {});
          return result;
        }
      }
      if (chunk.done) throw new AskError("interrupted");
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onUserAbort);
  }
}

// Returns the AskResponse on `done`; throws on `error`; undefined otherwise.
function handle(event, data, onEvent) {
  let payload;
  try {
    payload = data ? JSON.parse(data) : {};
  } catch {
    throw new AskError("interrupted", `malformed ${event} event`);
  }
  if (event === "error") {
    throw new AskError("server", payload?.detail ?? "", payload?.status ?? null);
  }
  if (event === "token" || event === "replace" || event === "citations") {
    onEvent(event, payload);
  } else if (event === "done") {
    onEvent(event, payload);
    return payload;
  }
  return undefined; // unknown events are ignored: the server may add some later
}
