// The clause panel a citation chip opens: the document's particulars and the clause in full, with
// the sentence the answer rests on highlighted. A side panel on wide screens, a bottom sheet on phones.
import { el } from "./dom.js";
import { t } from "./i18n.js";

const panel = () => document.getElementById("clause-panel");
const backdrop = () => document.getElementById("panel-backdrop");
let opener = null; // focus goes back to the chip that opened the panel

// The quote is meant to be an exact substring of the clause; when it is not (an older index, say),
// the clause is shown whole rather than with a wrong highlight.
export function highlightedClause(text, quote) {
  const body = el("p", { class: "clause-text" });
  const at = quote ? text.indexOf(quote) : -1;
  if (at < 0) {
    body.append(text);
    return { node: body, found: false };
  }
  body.append(
    text.slice(0, at),
    el("mark", { text: quote }),
    text.slice(at + quote.length),
  );
  return { node: body, found: true };
}

function field(label, value, className) {
  if (!value) return null;
  return [el("dt", { text: label }), el("dd", { class: className, text: value })];
}

function sourceLink(source) {
  // Only web addresses become links: a local file path would be a dead link for the reader.
  if (/^https?:\/\//i.test(source || "")) {
    return el("a", { href: source, target: "_blank", rel: "noopener noreferrer", text: source });
  }
  return source || null;
}

export function openClause(item, fromElement = null) {
  const doc = item.document || {};
  const { node: clause, found } = highlightedClause(item.text || "", item.quote || "");
  const content = panel().querySelector(".panel-body");
  const fields = el(
    "dl",
    { class: "doc-fields" },
    field(t("fieldNumber"), doc.number, "doc-number"),
    field(t("fieldIssuer"), doc.issuer, "doc-issuer"),
    field(t("fieldDate"), doc.date, "doc-date"),
    field(t("fieldClause"), item.clause_ref, "clause-ref"),
    doc.source ? [el("dt", { text: t("fieldSource") }), el("dd", { class: "doc-source" }, sourceLink(doc.source))] : null,
  );
  const missing = item.quote && !found ? el("p", { class: "quote-missing", text: t("quoteMissing") }) : null;
  // filter: replaceChildren would print an absent part as the text "null".
  content.replaceChildren(
    ...[el("h3", { class: "doc-title", text: doc.title || t("unknown") }), fields, missing, clause].filter(Boolean),
  );
  opener = fromElement;
  panel().hidden = false;
  backdrop().hidden = false;
  document.body.classList.add("panel-open");
  panel().querySelector(".panel-close").focus();
}

export function closeClause() {
  if (panel().hidden) return;
  panel().hidden = true;
  backdrop().hidden = true;
  document.body.classList.remove("panel-open");
  if (opener && document.contains(opener)) opener.focus();
  opener = null;
}

export function setupPanel() {
  panel().querySelector(".panel-close").addEventListener("click", closeClause);
  backdrop().addEventListener("click", closeClause);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeClause();
  });
}
