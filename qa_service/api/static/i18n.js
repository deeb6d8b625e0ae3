// Every string the page shows lives here, so a translation is one edit in one place.
export const STRINGS = {
  zh: {
    appTitle: "政策问答",
    tagline: "用政策原文回答企业的问题，每句话都标明出处",
    navChat: "问答",
    navDocuments: "政策文件",
    newChat: "新对话",
    langSwitch: "English",
    inputPlaceholder: "请输入您的问题…",
    send: "发送",
    stop: "停止",
    emptyTitle: "有什么可以帮您？",
    emptyHint: "可以试试这些问题：",
    examples: [
      "企业技术改造项目的补助比例是多少？单个项目最高补助多少？",
      "工业贷款贴息怎么申请？贴息比例是多少？",
      "中小企业开展数字化转型有哪些支持政策？",
    ],
    you: "您",
    assistant: "政策助手",
    thinking: "正在查找相关条款…",
    sources: "依据条款",
    refusedTitle: "文件中没有找到相关规定",
    refusedHint: "已收录的政策文件没有回答这个问题的条款。",
    related: "相关条款（仅供参考）",
    copy: "复制回答",
    copied: "已复制",
    copyFailed: "复制失败，请手动选择文字复制",
    citeLabel: "查看第 {n} 条依据",
    modeExtractive: "摘录原文作答",
    modeGenerative: "模型生成，已逐句核对原文",
    modeExtractiveBusy: "当前访问较多，已直接摘录原文作答",
    elapsed: "用时 {s} 秒",
    panelTitle: "条款原文",
    close: "关闭",
    fieldNumber: "文号",
    fieldIssuer: "发文机关",
    fieldDate: "日期",
    fieldClause: "条款",
    fieldSource: "来源",
    quoteMissing: "（未能在条款中定位引用原句，以下为条款全文）",
    errorTitle: "出错了",
    errorNetwork: "无法连接服务器，请检查网络或稍后再试。",
    errorTimeout: "服务器长时间没有响应，请稍后再试。",
    errorInterrupted: "回答传输中断，内容可能不完整。",
    errorHttp: "服务器返回错误（{status}）。",
    errorUnavailable: "服务暂时不可用：{detail}",
    stopped: "已停止。",
    retry: "重试",
    docsTitle: "已收录的政策文件",
    docsSearch: "按标题搜索",
    docsCount: "共 {n} 份",
    docsEmpty: "没有匹配的文件",
    docsLoading: "正在加载…",
    docsError: "文件列表加载失败：{detail}",
    apiKeyPrompt: "此服务需要访问密钥（API key）。请输入管理员提供的密钥：",
    apiKeyRejected: "已保存的访问密钥无效或已被停用。请输入新的密钥：",
    unknown: "—",
  },
  en: {
    appTitle: "Policy Q&A",
    tagline: "Answers from the policy texts, every sentence with its source",
    navChat: "Ask",
    navDocuments: "Documents",
    newChat: "New conversation",
    langSwitch: "中文",
    inputPlaceholder: "Ask a question…",
    send: "Send",
    stop: "Stop",
    emptyTitle: "How can I help?",
    emptyHint: "Try one of these:",
    examples: [
      "What share of a technical renovation project is subsidised, and what is the cap per project?",
      "How do I apply for the industrial loan interest subsidy, and how much is it?",
      "What support is there for small businesses going through digital transformation?",
    ],
    you: "You",
    assistant: "Policy assistant",
    thinking: "Looking up the relevant clauses…",
    sources: "Sources",
    refusedTitle: "The documents do not cover this",
    refusedHint: "None of the indexed policy documents has a clause that answers this question.",
    related: "Related clauses (for reference only)",
    copy: "Copy answer",
    copied: "Copied",
    copyFailed: "Copy failed, please select the text and copy it by hand",
    citeLabel: "Show source {n}",
    modeExtractive: "Quoted from the clauses",
    modeGenerative: "Generated, each sentence checked against the clauses",
    modeExtractiveBusy: "Busy right now: quoted from the clauses directly",
    elapsed: "{s} s",
    panelTitle: "Clause",
    close: "Close",
    fieldNumber: "Document no.",
    fieldIssuer: "Issuer",
    fieldDate: "Date",
    fieldClause: "Clause",
    fieldSource: "Source",
    quoteMissing: "(The quoted sentence could not be located; the whole clause follows.)",
    errorTitle: "Something went wrong",
    errorNetwork: "Cannot reach the server. Check your connection and try again.",
    errorTimeout: "The server did not respond in time. Please try again later.",
    errorInterrupted: "The answer was cut off and may be incomplete.",
    errorHttp: "The server returned an error ({status}).",
    errorUnavailable: "The service is unavailable: {detail}",
    stopped: "Stopped.",
    retry: "Retry",
    docsTitle: "Indexed policy documents",
    docsSearch: "Search by title",
    docsCount: "{n} documents",
    docsEmpty: "No matching documents",
    docsLoading: "Loading…",
    docsError: "Could not load the documents: {detail}",
    apiKeyPrompt: "This service needs an API key. Enter the key your administrator gave you:",
    apiKeyRejected: "The saved API key was refused (invalid or revoked). Enter a new key:",
    unknown: "—",
  },
};

export const LANGS = Object.keys(STRINGS);

let current = "zh";

export function setLang(lang) {
  current = STRINGS[lang] ? lang : "zh";
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
}

export function getLang() {
  return current;
}

// t("elapsed", {s: 1.2}) fills {s}; a missing key shows itself so the gap is visible, not blank.
export function t(key, vars = {}) {
  const value = STRINGS[current][key] ?? STRINGS.zh[key] ?? key;
  if (typeof value !== "string") return value;
  return value.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}
