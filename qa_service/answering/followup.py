"""Follow-up questions made standalone before retrieval, by rule (no LLM call).

"那数字化转型呢？" after "技改项目柳州最多补多少？" means "数字化转型最多补多少？": the follow-up names a new
topic and keeps the previous question's ask. The small local model cannot do this rewrite reliably,
and rules cost nothing: a follow-up is recognised by its form (short, "那…呢", "what about …", a
pronoun pointing back) and the previous user question lends it the part that asks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa_service.answering.places import places_in
from qa_service.answering.question import detect_language

_ZH_TOPIC_SWAP = re.compile(
    r"^(?:那么?|那要是|如果是|换成|还有)?(?P<topic>.+?)(?:呢|怎么样|如何|又如何)[?？]*$"
)
_ZH_BACK_REFERENCE = re.compile(
    r"^(?:那|那么|这个|这项|该|它|其|上述|这些|那个|要是|如果|假如|万一|还有|另外|又|再)|"
    r"这个政策|这项政策|该政策|上面|呢"
)
_EN_TOPIC_SWAP = re.compile(r"^(?:and\s+)?(?:what|how)\s+about\s+(?P<topic>.+?)[?.!]*$", re.I)
_EN_BACK_REFERENCE = re.compile(r"\b(?:it|this|that|these|those|they|the same)\b", re.I)
# The asking part of a Chinese question starts at its first question or quantity word.
_ZH_ASK_START = re.compile(r"最多|最高|多少|几|什么|哪些|哪个|如何|怎么|怎样|是否|能否|可以|有没有|要求|条件")
_SHORT_FOLLOWUP_CHARS = 12  # "数字化转型呢" is a follow-up; a full question is longer


@dataclass(frozen=True)
class Turn:
    role: str  # "user" or "assistant"
    content: str


@dataclass(frozen=True)
class Rewrite:
    query: str  # what retrieval and answering use
    rewritten: bool


def _previous_question(history: Sequence[Turn]) -> str | None:
    for turn in reversed(history):
        if turn.role == "user" and turn.content.strip():
            return turn.content.strip()
    return None


def _zh_split(question: str) -> tuple[str, str]:
    """(subject, ask) of a Chinese question: "柳州对技改项目" and "最多补助多少？"."""
    match = _ZH_ASK_START.search(question)
    return (question[: match.start()], question[match.start() :]) if match else (question, "")


def _rewrite_zh(question: str, previous: str) -> str | None:
    if swap := _ZH_TOPIC_SWAP.match(question):
        topic = swap["topic"].strip(" ，,。")
        subject, ask = _zh_split(previous)
        # The new topic with the previous ask, then where the previous question was about (dropping all
        # context loses the document) — its places, not its old topic: "柳州市技改项目" after
        # "数字化转型" let the cross-encoder, which reads every word, rank the 技改 clause first again.
        places = " ".join(sorted(place.name for place in places_in(subject)))
        return f"{topic}{ask} {places}".strip() if ask else f"{topic} {previous}"
    if _ZH_BACK_REFERENCE.search(question) or len(question) <= _SHORT_FOLLOWUP_CHARS:
        # "要是…呢", "如果…" and "还有…" continue the previous question too (train follow-ups: recall@5
        # of the rewrite 0.68 → 0.74 with them).
        return f"{previous} {question}"
    return None


def _rewrite_en(question: str, previous: str) -> str | None:
    if swap := _EN_TOPIC_SWAP.match(question):
        return f"{previous.rstrip('?.! ')} — {swap['topic']}?"
    if (
        _EN_BACK_REFERENCE.search(question)
        or len(question.split()) <= 4
        or question.lower().startswith(("and ", "what if", "also", "then"))
    ):
        return f"{previous} {question}"
    return None


def standalone_query(question: str, history: Sequence[Turn]) -> Rewrite:
    """The question as retrieval should see it; unchanged when it stands on its own or has no history."""
    question = question.strip()
    previous = _previous_question(history)
    if previous is None:
        return Rewrite(question, False)
    rewrite = _rewrite_en if detect_language(question) == "en" else _rewrite_zh
    rewritten = rewrite(question, previous)
    return Rewrite(rewritten, True) if rewritten else Rewrite(question, False)


__all__ = ["Rewrite", "Turn", "standalone_query"]
