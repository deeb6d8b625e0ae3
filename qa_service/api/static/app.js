// Wiring: views (#chat / #documents), language, the question box and the example questions.
import { ask, isBusy, newConversation, rerenderAll, setupChat, stop } from "./chat.js";
import { loadDocuments, renderDocuments, setupDocuments } from "./docs.js";
import { el } from "./dom.js";
import { getLang, setLang, t } from "./i18n.js";
import { closeClause, setupPanel } from "./panel.js";

const $ = (id) => document.getElementById(id);
const LANG_KEY = "qa.lang";

function applyStrings() {
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  for (const node of document.querySelectorAll("[data-i18n-label]")) {
    node.setAttribute("aria-label", t(node.dataset.i18nLabel));
  }
  document.title = t("appTitle");
  $("examples").replaceChildren(
    ...t("examples").map((question) =>
      el("li", {}, el("button", { type: "button", class: "example", text: question, onclick: () => submit(question) })),
    ),
  );
  setBusy(isBusy());
}

function setBusy(busy) {
  const send = $("send");
  send.textContent = busy ? t("stop") : t("send");
  send.classList.toggle("stop", busy);
  send.type = busy ? "button" : "submit";
}

function submit(question) {
  if (ask(question)) {
    $("question").value = "";
    autosize();
  }
}

function autosize() {
  const box = $("question");
  box.style.height = "auto";
  box.style.height = `${Math.min(box.scrollHeight, 160)}px`;
}

function showView() {
  const docs = location.hash === "#documents";
  $("chat-view").hidden = docs;
  $("docs-view").hidden = !docs;
  $("nav-chat").classList.toggle("active", !docs);
  $("nav-docs").classList.toggle("active", docs);
  $("nav-chat").toggleAttribute("aria-current", !docs);
  $("nav-docs").toggleAttribute("aria-current", docs);
  closeClause();
  if (docs) loadDocuments();
}

function start() {
  let saved = null;
  try {
    saved = localStorage.getItem(LANG_KEY);
  } catch {
    // storage blocked (private mode): Chinese, the default
  }
  setLang(saved || "zh");
  setupPanel();
  setupDocuments();
  setupChat(setBusy);

  $("ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit($("question").value);
  });
  $("send").addEventListener("click", (event) => {
    if (isBusy()) {
      event.preventDefault();
      stop();
    }
  });
  $("question").addEventListener("keydown", (event) => {
    // Enter while a Chinese IME is composing picks a candidate; it must not send the question.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit($("question").value);
    }
  });
  $("question").addEventListener("input", autosize);
  $("new-chat").addEventListener("click", () => {
    newConversation();
    if (location.hash === "#documents") location.hash = "#chat";
    $("question").focus();
  });
  $("lang-toggle").addEventListener("click", () => {
    setLang(getLang() === "zh" ? "en" : "zh");
    try {
      localStorage.setItem(LANG_KEY, getLang());
    } catch {
      // not remembered; still switched for this page
    }
    applyStrings();
    rerenderAll();
    renderDocuments();
  });
  window.addEventListener("hashchange", showView);

  applyStrings();
  showView();
  document.body.classList.add("ready");
}

start();
