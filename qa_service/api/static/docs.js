// The document list (GET /documents) with a title filter in the page: the list is small (one entry
// per indexed document), so filtering locally answers on every keystroke without a round trip.
import { authFetch } from "./auth.js";
import { el } from "./dom.js";
import { t } from "./i18n.js";
import { errorDetail } from "./stream.js";

let documents = null; // null until loaded; loaded once per page view
let loadError = null;
let loading = false;

const fold = (text) => (text || "").normalize("NFKC").toLowerCase();

function item(doc) {
  const facts = [doc.number, doc.issuer, doc.date].filter(Boolean).join(" · ");
  const source = /^https?:\/\//i.test(doc.source || "")
    ? el("a", { href: doc.source, target: "_blank", rel: "noopener noreferrer", text: doc.source })
    : doc.source || "";
  return el(
    "li",
    { class: "doc-item" },
    el("h3", { class: "doc-title", text: doc.title }),
    facts ? el("p", { class: "doc-facts", text: facts }) : null,
    source ? el("p", { class: "doc-source" }, source) : null,
  );
}

export function renderDocuments() {
  const list = document.getElementById("doc-list");
  const status = document.getElementById("doc-status");
  if (loadError) {
    status.textContent = t("docsError", { detail: loadError });
    status.classList.add("error-text");
    list.replaceChildren();
    return;
  }
  status.classList.remove("error-text");
  if (!documents) {
    status.textContent = t("docsLoading");
    return;
  }
  const needle = fold(document.getElementById("doc-search").value.trim());
  const shown = documents.filter((doc) => fold(doc.title).includes(needle));
  status.textContent = shown.length ? t("docsCount", { n: shown.length }) : t("docsEmpty");
  list.replaceChildren(...shown.map(item));
}

export async function loadDocuments() {
  if (documents || loading) return;
  loading = true;
  loadError = null;
  renderDocuments();
  try {
    const response = await authFetch("documents", { headers: { Accept: "application/json" } });
    if (!response.ok) {
      loadError = `${await errorDetail(response)} (${response.status})`;
    } else {
      documents = (await response.json()).documents ?? [];
    }
  } catch (error) {
    loadError = error?.message || String(error);
  } finally {
    loading = false;
    renderDocuments();
  }
}

export function setupDocuments() {
  document.getElementById("doc-search").addEventListener("input", renderDocuments);
}
