"""Nonsense and chit-chat are refused (issue 9): keyboard mash, code, greetings and other subjects.

The held-out set eval/datasets/offtopic_test.jsonl goes through the real pipeline in extractive mode;
the form gate (`check_question`) is also run over every answerable dev question, which it must never
refuse, so the dev set's false refusals cannot rise because of it.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from qa_service.answering.refusal import check_domain, check_question
from qa_service.core.config import Settings
from qa_service.evaluation.dataset import load_dataset
from qa_service.services.answer import AnswerService, AskRequest
from qa_service.services.domain import CLASSIFIER, DomainClassifier, domain_probability, load_classifier
from tests.conftest import DEV_SET, ROOT

OFFTOPIC_TEST = ROOT / "eval" / "datasets" / "offtopic_test.jsonl"
OFFTOPIC_TEST2 = ROOT / "eval" / "datasets" / "offtopic_test2.jsonl"
OFFTOPIC_TRAIN = ROOT / "eval" / "datasets" / "offtopic_train.jsonl"
INDOMAIN_TRAIN = ROOT / "eval" / "datasets" / "indomain_train.jsonl"
BACKGROUND_TRAIN = ROOT / "eval" / "datasets" / "background_train.jsonl"
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


# --- The domain gate (services/domain.py): other subjects, told from the question's embedding -----


def _jsonl_questions(path) -> set[str]:  # type: ignore[no-untyped-def]
    import json

    return {json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line}


def test_the_domain_training_data_shares_no_question_with_the_dev_set() -> None:
    dev = {item.question for item in load_dataset(DEV_SET)}
    written = _jsonl_questions(INDOMAIN_TRAIN) | _jsonl_questions(BACKGROUND_TRAIN)
    assert len(written) >= 300
    assert not written & dev


def test_the_shipped_classifier_is_for_the_default_embedding_model() -> None:
    classifier = load_classifier()
    assert classifier is not None and CLASSIFIER.suffix == ".tsv"  # shipped as package data (*.tsv)
    assert classifier.model == Settings().embedding_model
    assert classifier.weights.shape == (384,)


def test_the_classifier_file_round_trips(tmp_path) -> None:  # type: ignore[no-untyped-def]
    weights = np.array([0.5, -2.0, 1.0], dtype=np.float32)
    path = tmp_path / "domain.tsv"
    DomainClassifier("some-model", weights, -0.25).dump(path, "a header\nof two lines")
    loaded = DomainClassifier.load(path)
    assert loaded.model == "some-model" and loaded.bias == -0.25
    np.testing.assert_allclose(loaded.weights, weights)
    # sigmoid(w·x + b): 0.5·1 − 0.25 = 0.25
    assert loaded.probability(np.array([1.0, 0.0, 0.0])) == pytest.approx(1 / (1 + np.exp(-0.25)))


def test_the_domain_gate_refuses_along_the_classifier_direction() -> None:
    classifier = load_classifier()
    assert classifier is not None
    towards = classifier.weights / np.linalg.norm(classifier.weights)
    settings = Settings()
    refuse, probability = check_domain("q", settings, towards)
    assert not refuse and probability is not None and probability > 0.99
    refuse, probability = check_domain("q", settings, -towards)
    assert refuse and probability is not None and probability < settings.refusal_min_domain


def test_the_domain_gate_is_off_without_its_model() -> None:
    vector = np.ones(384, dtype=np.float32) / np.sqrt(384)
    assert domain_probability("q", Settings(refusal_check_domain=False), vector) is None
    assert domain_probability("q", Settings(embedding_model="hashing-test"), vector) is None
    assert domain_probability("q", Settings(), np.ones(64, dtype=np.float32)) is None  # another model
    assert check_domain("q", Settings(refusal_check_domain=False), -vector) == (False, None)


@pytest.mark.slow
def test_the_domain_gate_passes_every_answerable_dev_question(real_embedder) -> None:  # type: ignore[no-untyped-def]
    settings = Settings()
    answerable = [item.question for item in load_dataset(DEV_SET) if item.answerable]
    vectors = real_embedder.embed_queries(answerable)
    low = {
        q: p
        for q, v in zip(answerable, vectors, strict=True)
        if (p := domain_probability(q, settings, v)) < 0.3
    }
    # Dev was not used to train or to choose the threshold (0.15); its lowest answerable is ~0.38.
    assert low == {}


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    ["How do I make a pizza dough at home?", "推荐几本好看的小说", "Which laptop is best for gaming?"],
)
def test_the_domain_gate_refuses_other_subjects(real_embedder, question: str) -> None:  # type: ignore[no-untyped-def]
    vector = real_embedder.embed_queries([question])[0]
    refuse, probability = check_domain(question, Settings(), vector)
    assert refuse, probability


@pytest.mark.slow
def test_the_pipeline_embeds_once_and_gates_on_that_vector(seed_search_service) -> None:  # type: ignore[no-untyped-def]
    calls: list[str] = []
    embed = seed_search_service.embed_query

    class Counting:
        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(seed_search_service, name)

        def embed_query(self, query: str):  # type: ignore[no-untyped-def]
            calls.append(query)
            return embed(query)

    answers = AnswerService(Counting(), None, Settings(answer_mode="extractive"))  # type: ignore[arg-type]
    result = answers.ask(AskRequest("Which laptop is best for gaming?"))
    assert calls == ["Which laptop is best for gaming?"]
    assert result.refused and result.evidence is not None and result.evidence.domain is not None
    assert result.refusal_reason == "other_subject"


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
@pytest.mark.parametrize("held_out", [OFFTOPIC_TEST, OFFTOPIC_TEST2], ids=["test", "test2"])
def test_held_out_nonsense_and_off_topic_questions_are_refused(seed_search_service, held_out) -> None:  # type: ignore[no-untyped-def]
    answers = AnswerService(seed_search_service, None, Settings(answer_mode="extractive"))
    items = load_dataset(held_out)
    answered = [
        item.question
        for item in items
        if not answers.ask(AskRequest(item.question, mode="extractive")).refused
    ]
    # The target. test2 was written blind to the gates and scored once when they were done
    # (58 of 60); test was scored by the form gate's author (0.88) before the domain gate existed.
    assert 1 - len(answered) / len(items) >= 0.95, answered


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
