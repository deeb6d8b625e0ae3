"""Nonsense and chit-chat are refused (issue 9): keyboard mash, code, greetings and other subjects.

The held-out set eval/datasets/offtopic_test.jsonl goes through the real pipeline in extractive mode;
the form gate (`check_question`) is also run over every answerable dev question, which it must never
refuse, so the dev set's false refusals cannot rise because of it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qa_service.core.config import Settings
from qa_service.evaluation.dataset import load_dataset
from qa_service.services.answer import AnswerService, AskRequest
from qa_service.services.refusal import check_question
from tests.conftest import DEV_SET, ROOT

OFFTOPIC_TEST = ROOT / "eval" / "datasets" / "offtopic_test.jsonl"
OFFTOPIC_TRAIN = ROOT / "eval" / "datasets" / "offtopic_train.jsonl"
FORM_REASONS = {"nonsense", "chit_chat"}
# Short real questions that look like the short nonsense ones; the form gate must let them through.
LOOKALIKES = [
    "技改补多少",
    "贴息",
    "高企奖励",
    "专利奖",
    "AI+制造",
    "科技特派员",
    "你好，柳州技改最多补多少？",
    "what is the subsidy for tech upgrades",
    "Liuzhou industrial loan",
    "patent award",
    "R&D subsidy Guangxi",
    "What is the deadline?",
    "Hi, what does the Liuzhou Industrial Loan (柳州工业贷) cover?",
    "这个文件 https://www.gxzf.gov.cn/zfwj/t123.shtml 里技改补多少？",
]


def test_the_two_offtopic_sets_share_no_question() -> None:
    train = {item.question for item in load_dataset(OFFTOPIC_TRAIN)}
    test = {item.question for item in load_dataset(OFFTOPIC_TEST)}
    assert len(train) >= 60 and len(test) >= 40
    assert not train & test


def test_the_form_gate_refuses_no_answerable_dev_question() -> None:
    settings = Settings()
    answerable = [item for item in load_dataset(DEV_SET) if item.answerable]
    assert len(answerable) > 80
    refused = {item.id: check_question(item.question, settings) for item in answerable}
    assert {id_: reason for id_, reason in refused.items() if reason} == {}


@pytest.mark.parametrize("question", LOOKALIKES)
def test_the_form_gate_lets_short_real_questions_through(question: str) -> None:
    assert check_question(question, Settings()) == ""


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("？？", "nonsense"),
        ("ghjkl ghjkl", "nonsense"),
        ("DELETE FROM t WHERE 1=1; --", "nonsense"),
        ("您好！", "chit_chat"),
        ("Who are you?", "chit_chat"),
        ("null", "nonsense"),
        ("药？", "nonsense"),
    ],
)
def test_the_form_gate_names_why(question: str, reason: str) -> None:
    assert check_question(question, Settings()) == reason


def test_the_form_gate_can_be_switched_off() -> None:
    assert check_question("asdfghjkl", Settings()) == "nonsense"
    assert check_question("asdfghjkl", Settings(refusal_check_question=False)) == ""


class RecordingGenerator:
    """Stands in for the LLM and records whether anyone asked it anything."""

    name = "recording.gguf"

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def load(self) -> None:
        pass

    def complete(self, prompt: str, *, max_tokens: int, stop: list[str]) -> str:
        return "".join(self.stream(prompt, max_tokens=max_tokens, stop=stop))

    def stream(self, prompt: str, *, max_tokens: int, stop: list[str]) -> Iterator[str]:
        self.prompts.append(prompt)
        yield "文件中没有找到相关规定。"


@pytest.mark.slow
def test_held_out_nonsense_and_off_topic_questions_are_refused(seed_search_service) -> None:
    answers = AnswerService(seed_search_service, None, Settings(answer_mode="extractive"))
    items = load_dataset(OFFTOPIC_TEST)
    answered = [
        item.question
        for item in items
        if not answers.ask(AskRequest(item.question, mode="extractive")).refused
    ]
    # The target is 0.95; this held-out set, scored once, gave 0.88 (44 of 50): English
    # questions on other subjects ("Recommend a good sci-fi novel") get e5-small cosines as high as
    # real ones and have no words to check against a Chinese corpus. The floor guards what was won.
    assert 1 - len(answered) / len(items) >= 0.85, answered


@pytest.mark.slow
@pytest.mark.parametrize(
    "question", ["asdfghjkl", "null", "SELECT * FROM users; --", "你好", "thanks a lot!"]
)
def test_nonsense_is_refused_in_auto_mode_without_calling_the_llm(seed_search_service, question: str) -> None:
    generator = RecordingGenerator()
    result = AnswerService(seed_search_service, generator, Settings()).ask(AskRequest(question, mode="auto"))
    assert result.refused and result.mode_used == "refusal"
    assert result.refusal_reason in FORM_REASONS
    assert result.model == "" and generator.prompts == []
    assert result.citations == []


@pytest.mark.slow
@pytest.mark.parametrize("question", LOOKALIKES[:4] + LOOKALIKES[7:9])
def test_short_real_questions_are_not_refused_as_nonsense(seed_search_service, question: str) -> None:
    answers = AnswerService(seed_search_service, None, Settings(answer_mode="extractive"))
    result = answers.ask(AskRequest(question, mode="extractive"))
    assert result.refusal_reason not in FORM_REASONS
