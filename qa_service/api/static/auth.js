// The API key, for servers that require one (any address but loopback, unless the operator says
// otherwise). Asked for on the first 401, kept in this browser's localStorage, sent as a Bearer
// header. A page on loopback, or behind a proxy that adds the header, never sees a 401 and never asks.
import { t } from "./i18n.js";

const KEY_STORAGE = "qa.apiKey";

function storedKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return ""; // storage blocked (private mode): asked again after each reload
  }
}

let sessionKey = storedKey();

function remember(key) {
  sessionKey = key;
  try {
    localStorage.setItem(KEY_STORAGE, key);
  } catch {
    // kept for this page only
  }
}

function withKey(headers = {}) {
  return sessionKey ? { ...headers, Authorization: `Bearer ${sessionKey}` } : headers;
}

// fetch with the key; on 401 asks for one (once) and repeats the request with it. `beforeRetry`
// runs after the prompt closes (the caller's silence timer must not count the time spent typing).
export async function authFetch(url, options = {}, { beforeRetry } = {}) {
  const send = () => fetch(url, { ...options, headers: withKey(options.headers) });
  const response = await send();
  if (response.status !== 401) return response;
  const entered = window.prompt(t(sessionKey ? "apiKeyRejected" : "apiKeyPrompt"));
  beforeRetry?.();
  if (!entered || !entered.trim()) return response;
  remember(entered.trim());
  return send();
}
