"""What a question asks for: its language and script, its content words, the kind of figure it wants,
and whether it says anything at all (keyboard mash, code, greetings).

Shared by the refusal gate (is it a question? does the evidence mention what it is about? does it
state the kind of figure asked for?) and the extractive answerer (which sentence answers it best?).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from qa_service.answering.citations import char_bigrams
from qa_service.answering.numbers import KINDS
from qa_service.answering.places import Place, levels_in, places_in
from qa_service.ingest.normalize import normalize_for_matching, to_simplified
from qa_service.retrieval.query_expansion import expand_query
from qa_service.retrieval.tokenize import tokenize
from qa_service.text.script import CJK_RUN, Language, detect_language, is_traditional

QUESTION_WORDS = re.compile(
    r"多少|什么|哪些|哪个|哪里|哪天|哪年|怎么|怎样|如何|是否|能否|可以|请问|有没有|我们|我|吗|呢|吧|"
    r"\b(?:what|which|how|much|many|is|are|the|a|an|of|for|to|do|does|can|we|i|our|there)\b|[\s\W]+",
    re.I,
)

# What kind of answer the question wants, as the sentence scorer of the extractive answer weighs it.
QUANTITY_QUESTION = re.compile(
    r"多少|几|比例|比率|最高|最多|上限|额度|金额|标准|补多|贴多|how (?:much|many)|percent|rate|maximum|"
    r"amount|up to|how large|ceiling|limit",
    re.I,
)
DATE_QUESTION = re.compile(
    r"何时|什么时候|哪年|哪天|截至|截止|when|deadline|until|which year|what date", re.I
)
DURATION_QUESTION = re.compile(r"多久|多长时间|期限|几年|how long|how many years|period", re.I)
MULTI_PART = re.compile(r"分别|各|[?？].+[?？]|respectively|each|both", re.I)
# How owners ask → how policies say it; added to the question's bigrams (like the retrieval lexicon).
PHRASINGS = {
    "最多": "最高 不超过 上限",
    "最高": "最高 不超过 上限",
    "上限": "最高 不超过",
    "封顶": "最高 不超过",
    "多少钱": "资金 补助 奖励",
    "比例": "比例 按",
    "怎么申请": "申报 申请",
    "条件": "条件 符合 要求",
}
QUANTITY_KINDS = frozenset(KINDS) - {"year", "date"}  # every kind of figure but a point in time
# (pattern, figure kinds that answer it). Only narrow, unambiguous asks: a question that asks for a
# percentage is not answered by an amount, and one that asks for a day is not answered by a year.
_ASKS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (
        re.compile(r"比例|比率|百分之几|百分比|几个点|百分点|percentage|what percent|\bratio\b", re.I),
        frozenset({"percent", "percentage_point", "ratio"}),
    ),
    (
        re.compile(r"多少钱|多少资金|金额|奖金|多少万|多少元|how much money|\bRMB\b|\byuan\b", re.I),
        frozenset({"money"}),
    ),
    # "补多少" may be answered by an amount or by a rate.
    (
        re.compile(r"[补贴奖给拿]多少|how much (?:funding|subsidy|support)", re.I),
        frozenset({"money", "percent"}),
    ),
    (
        re.compile(
            r"几月|哪天|哪一天|几号|截止(?:时间|日期)|什么时候截止|deadline|what date|which day", re.I
        ),
        frozenset({"date"}),
    ),
    (
        re.compile(r"多少家|几家|多少个|几个(?!点|百分点)|多少项|多少人|how many", re.I),
        frozenset({"count", "people"}),
    ),
)
# Any other "多少" asks for some quantity: a sentence with no figure at all does not answer it.
_ANY_QUANTITY = re.compile(r"多少|几(?:成|倍|年|亩)|how much", re.I)
# "多久", "几天内", "什么时候": a time span or a date answers it, and nothing else does.
_TIME_ASK = re.compile(
    r"多久|多长时间|几天|几个月|几个工作日|期限是|时限|什么时候|何时|how long|how many (?:days|months|years)|"
    r"when (?:must|should|do|does|is)",
    re.I,
)
_YEAR = re.compile(r"(?<!\d)(20\d{2}|19\d{2})(?:\s*年|(?=\D|$))")


def content_bigrams(question: str, *, expand: bool = True) -> frozenset[str]:
    """Character bigrams of the question's content words (question words and punctuation removed);
    with `expand`, abbreviations are spelled out as retrieval does ("技改" → 技术改造)."""
    text = expand_query(question) if expand else question
    pieces = QUESTION_WORDS.split(text)
    return frozenset().union(*(char_bigrams(piece) for piece in pieces if piece))


def question_coverage(question: str, texts: Sequence[str]) -> float:
    """Share of the question's content bigrams that occur in `texts` (0.0 for a question without any)."""
    wanted = content_bigrams(question)
    if not wanted:
        return 0.0
    found = frozenset().union(*(char_bigrams(text) & wanted for text in texts))
    return len(found) / len(wanted)


@dataclass(frozen=True)
class FigureAsk:
    """The figure kinds that would answer the question; empty when it does not ask for a figure."""

    kinds: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.kinds)


def asked_figure(question: str) -> FigureAsk:
    """ "按什么比例" asks for a percentage, "多少钱" for an amount, "哪天截止" for a date, "多少家" for a
    count; a figure of any kind asked for answers the question."""
    kinds: set[str] = set()
    for pattern, answers in _ASKS:
        if pattern.search(question):
            kinds |= answers
    if _TIME_ASK.search(question):
        kinds |= {"duration", "date"}
    if not kinds and _ANY_QUANTITY.search(question):
        kinds |= QUANTITY_KINDS
    return FigureAsk(frozenset(kinds))


def asked_years(question: str) -> frozenset[str]:
    """Years the question is about ("2025年的目标"): an answer about another year does not answer it."""
    return frozenset(match[1] for match in _YEAR.finditer(question))


# --- Does the question say anything? (the nonsense and chit-chat gate) --------------------------
# These signals look at the question alone, before any retrieval: e5-small gives keyboard mash, code
# and "hello" the same cosine to a policy clause as a real English question (0.77–0.84), so no
# retrieval score can tell them apart, but their form can.

# QWERTY rows with their physical stagger; two keys are neighbours when they sit side by side.
_KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEYS = {key: (row, column) for row, keys in enumerate(_KEY_ROWS) for column, key in enumerate(keys)}
_MASH_MIN_LETTERS = 5  # shorter Latin words ("sdf", "were") are too short to call
_MASH_MIN_CJK = 3  # "谢谢", "天天" are words; "啊啊啊" is not
_CJK_RUN = CJK_RUN
_LATIN_RUN = re.compile(r"[a-z]+")

# Programming and injection syntax that prose questions do not use: operators and brackets of code,
# a call "name(", a dotted name "os.system", a command flag " -rf", an SQL comment "--", a quote
# that is not an apostrophe ("' OR '1'='1"), a path or URL separator not between digits ("1/3"),
# SQL keywords written as SQL is (upper case), a shell command opening the input, and a formula
# ("3x + 7", "x^2"). Each kind counts at most twice; prose has at most one mark ("sin(x)", "Liuzhou's
# policies' scope").
_SQL_KEYWORDS = (
    "SELECT|INSERT|UPDATE|DELETE|DROP|UNION|FROM|WHERE|TABLE|DATABASE|JOIN|VALUES|CREATE|ALTER|EXEC"
)
_SHELL_COMMANDS = (
    "sudo|curl|wget|rm|ls|cat|echo|chmod|chown|git|pip|npm|python3?|bash|sh|cd|mkdir|kill|ssh|docker"
)
_CODE_SIGNS = (
    re.compile(r"[;{}<>$=|\\`^~\[\]#@*]"),
    re.compile(r"[A-Za-z_]\w*\("),
    re.compile(r"[A-Za-z_]{2,}\w*\.[A-Za-z_]{2,}"),
    re.compile(r"(?:^|\s)-{1,2}[A-Za-z]|--"),
    re.compile(r"(?<![A-Za-z])'|'(?![A-Za-z])"),
    re.compile(r"(?<!\d)/|/(?!\d)"),
    re.compile(rf"\b(?:{_SQL_KEYWORDS})\b"),
    re.compile(rf"^\s*(?:{_SHELL_COMMANDS})\s", re.I),
    re.compile(r"[\dA-Za-z)]\s*[+*^=]\s*[\dA-Za-z(]"),  # not - or /: "2025-2027", "1/3", dates
)
# A web address is how a user names a page, not code: it is left out before the marks are counted.
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)


# Words that carry no subject: pronouns, particles, auxiliaries, question words (the closed classes
# of both languages). What is left once they go is what the question is about.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ZH_FUNCTION_WORDS = _words(
    "我 我们 你 你们 您 他 她 它 他们 她们 它们 咱 咱们 自己 大家 这 那 这个 那个 这些 那些 这里 那里 "
    "这儿 那儿 这样 那样 这么 那么 什么 啥 谁 哪 哪儿 哪里 哪个 哪些 哪位 怎么 怎样 怎么样 如何 为什么 "
    "为啥 咋 咋样 多少 几 吗 呢 吧 啊 呀 哦 噢 嗯 嘛 哈 呗 么 啦 哇 呃 诶 的 地 得 了 着 过 是 不是 在 "
    "有 没有 没 不 也 都 就 还 又 很 太 最 更 要 想 会 能 可以 可能 应该 请 请问 一下 一个 个 些 和 与 "
    "及 或 或者 跟 给 让 把 被 对 从 向 到 为 以"
)
_EN_FUNCTION_WORDS = _words(
    "a about above after again against all am an and any are as at be because been before being "
    "below between both but by can could did do does doing down during each few for from further "
    "had has have having he her here hers herself him himself his how i if in into is it its "
    "itself just let lets me more most my myself no nor not now of off on once only or other our "
    "ours ourselves out over own please same she should so some such tell than that the their "
    "theirs them themselves then there these they this those through to too under until up very "
    "was we were what whats when where which while who whom why will with would you your yours "
    "yourself yourselves s t d ll m re ve"
)
# Greetings, thanks, farewells, laughter and talk about the assistant itself: a question made of
# these and function words only is conversation, not a question about the documents. Matched on the
# matching form (simplified, lower-case) and removed before the content words are counted, so
# "你好，技改补多少？" still asks about 技改.
_PHATIC = re.compile(
    r"你好|您好|大家好|哈喽|哈啰|早上好|上午好|中午好|下午好|晚上好|早安|午安|晚安|在吗|在不在|在么|"
    r"谢谢|多谢|感谢|辛苦了|好的|好吧|知道了|明白了|收到|没事了|没问题|不客气|再见|拜拜|回头见|下次见|"
    r"([哈呵嘿嘻])\1+|你是谁|你叫什么(?:名字)?|你是(?:不是)?(?:机器人|人工智能|ai|真人|人|程序|助手)|"
    r"谁(?:开发|创造|制作|做)(?:了)?你|你(?:会|能)(?:干|做)什么|吃(?:饭)?了(?:吗|没)|"
    r"(?:讲|说|来)(?:一)?(?:个|段)(?:笑话|段子|故事)|"
    r"\b(?:hi|hello|hey|hiya|howdy|greetings|good (?:morning|afternoon|evening|night|day)|"
    r"thanks?(?: you)?(?: (?:so|very) much| a lot)?|thx|cheers|ok|okay|cool|great|nice|got it|sure|"
    r"yes|yeah|yep|nope|lol|ha(?:ha)+|bye(?: bye)?|goodbye|see (?:you|ya)(?: later)?|take care|"
    r"who are you|what are you|what(?:'s| is) your name|how are you(?: doing| today)?|"
    r"how(?:'s| is) it going|are you (?:a |an )?(?:bot|robot|human|person|ai|real|machine|chatbot)|"
    r"who (?:made|built|created|trained|wrote) you|what can you do|"
    r"(?:tell|give) me (?:a |another )?(?:joke|story|poem|riddle))\b"
)


def keyboard_walk(word: str) -> float:
    """Share of a word's successive letters that are neighbouring keys on one QWERTY row
    ("asdfghjkl" 1.0, "power" 0.75, "subsidy" 0.0)."""
    letters = [char for char in word.lower() if char in _KEYS]
    if len(letters) < 2:
        return 0.0
    pairs = itertools.pairwise(letters)
    side_by_side = sum(
        1 for a, b in pairs if _KEYS[a][0] == _KEYS[b][0] and abs(_KEYS[a][1] - _KEYS[b][1]) == 1
    )
    return side_by_side / (len(letters) - 1)


def _repeats_a_unit(text: str) -> bool:
    """ "sdfsdf", "乱码乱码乱码": the text is one shorter unit said again and again."""
    return any(
        text == (text[:size] * (len(text) // size + 1))[: len(text)] for size in range(1, len(text) // 2 + 1)
    )


def is_mash(run: str, *, walk: float, distinct: float) -> bool:
    """A run of Latin letters or Chinese characters typed without meaning: a walk along the keyboard,
    a unit repeated ("啊啊啊啊", "asdasdasd"), or too few different letters for its length."""
    minimum = _MASH_MIN_CJK if _CJK_RUN.fullmatch(run) else _MASH_MIN_LETTERS
    if len(run) < minimum:
        return False
    if _repeats_a_unit(run) or len(set(run)) / len(run) <= distinct:
        return True
    return not _CJK_RUN.fullmatch(run) and keyboard_walk(run) >= walk


def mash_share(question: str, *, walk: float, distinct: float) -> float:
    """Share of the question's letters and Chinese characters that sit in mashed runs (0.0 when it
    has none). Latin runs are whole space-separated pieces, so "fdsa;lkj" is one walk."""
    text = normalize_for_matching(question)
    runs = _CJK_RUN.findall(text)
    runs += ["".join(_LATIN_RUN.findall(piece)) for piece in text.split()]
    total = sum(len(run) for run in runs)
    mashed = sum(len(run) for run in runs if run and is_mash(run, walk=walk, distinct=distinct))
    return mashed / total if total else 0.0


def code_signals(question: str) -> int:
    """How many marks of program code or an injection attempt the question holds (capped per kind
    at 2, so one long path does not count as much as a path and a call)."""
    text = _URL.sub(" ", question)
    return sum(min(2, len(sign.findall(text))) for sign in _CODE_SIGNS)


def has_words(question: str) -> bool:
    """Any Chinese character or Latin letter: "？", "123" and "😀" have none."""
    return bool(_CJK_RUN.search(question) or re.search(r"[A-Za-z]", question))


def _matching(question: str) -> str:
    return normalize_for_matching(question).replace("’", "'")


def is_phatic(question: str) -> bool:
    """Holds a greeting, thanks, a farewell or talk about the assistant ("你是谁", "how are you")."""
    return bool(_PHATIC.search(_matching(question)))


def content_words(question: str) -> tuple[str, ...]:
    """The question's words once greetings and chit-chat, function words, numbers and one-letter
    Latin pieces are removed: what it is about ("你好，技改补多少？" → 技改, 补)."""
    text = _PHATIC.sub(" ", _matching(question)).replace("'", "")
    words = []
    for token in tokenize(text):
        if _CJK_RUN.search(token):
            if token not in _ZH_FUNCTION_WORDS:
                words.append(token)
        elif re.fullmatch(r"[a-z]{2,}", token) and token not in _EN_FUNCTION_WORDS:
            words.append(token)
    return tuple(words)


def content_size(question: str) -> int:
    """Content units: different English words plus different Chinese content characters ("贴息" 2,
    "null" 1, "你好" 0); jieba's search mode repeats the parts of long words, so each counts once."""
    words = content_words(question)
    latin = {word for word in words if not _CJK_RUN.search(word)}
    chinese = {char for word in words for char in word if _CJK_RUN.fullmatch(char)}
    return len(latin) + len(chinese)


def is_one_word(question: str) -> bool:
    """The whole input is one word ("null", "药？"): not a question, unless the word is a term
    ("贴息"), which the content size tells."""
    return len(tokenize(question)) == 1


__all__ = [
    "QUANTITY_KINDS",
    "QUESTION_WORDS",
    "FigureAsk",
    "Language",
    "QuestionAnalysis",
    "analyse",
    "asked_figure",
    "asked_years",
    "code_signals",
    "content_bigrams",
    "content_size",
    "content_words",
    "detect_language",
    "has_words",
    "is_mash",
    "is_one_word",
    "is_phatic",
    "is_traditional",
    "keyboard_walk",
    "mash_share",
    "question_coverage",
]


# --- The whole analysis, once per question --------------------------------------------------------


@dataclass(frozen=True)
class QuestionAnalysis:
    """Everything ranking, refusal, composition and follow-ups read off a question, computed once."""

    text: str
    lang: Language
    traditional: bool
    bigrams: frozenset[str]  # content bigrams, abbreviations spelled out
    figure: FigureAsk  # the kinds of figure that would answer it
    years: frozenset[str]
    places: frozenset[Place]
    levels: frozenset[str]  # national | provincial | municipal | county
    multi_part: bool  # "分别", "each": several things asked at once
    asks_list: bool  # "哪些", "which": every item of a list clause is wanted


_LIST_QUESTION = re.compile(
    r"哪些|哪几|什么条件|哪几种|有什么要求|(?:什么|啥|哪种|哪些)(?:情况|情形)|which|what are|list", re.I
)


@lru_cache(maxsize=4096)
def analyse(question: str) -> QuestionAnalysis:
    return QuestionAnalysis(
        text=question,
        lang=detect_language(question),
        traditional=is_traditional(question),
        bigrams=content_bigrams(question),
        figure=asked_figure(question),
        years=asked_years(question),
        places=places_in(question),
        levels=levels_in(question),
        multi_part=bool(MULTI_PART.search(question)),
        asks_list=bool(_LIST_QUESTION.search(to_simplified(question))),
    )
