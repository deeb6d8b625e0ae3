"""Question analysis: language, script, content words, the kind of figure asked for."""

import pytest

from qa_service.generation.question import asked_figure, content_bigrams, detect_language, is_traditional


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("柳州技改最多补多少？", "zh"),
        ("How much does Liuzhou subsidise technical renovation?", "en"),
        ("What does 柳州工业贷 cover?", "en"),
        ("技改 subsidy 上限是多少", "zh"),
    ],
)
def test_language_follows_the_majority_script(question: str, lang: str) -> None:
    assert detect_language(question) == lang


def test_traditional_questions_are_recognised() -> None:
    assert is_traditional("企業技術中心認定條件是什麼？")
    assert not is_traditional("企业技术中心认定条件是什么？")


def test_content_bigrams_leave_out_question_words_and_spell_out_abbreviations() -> None:
    bigrams = content_bigrams("我们技改最多能补多少？")
    assert "技术" in bigrams  # 技改 → 技术改造
    assert "多少" not in bigrams and "我们" not in bigrams


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("贴息比例是多少？", {"percent"}),
        ("一等奖奖金是多少钱？", {"money"}),
        ("技改最多补多少？", {"money", "percent"}),
        ("申报截止时间是哪天？", {"date"}),
        ("今年认定了多少家企业？", {"count"}),
        ("What is the application deadline?", {"date"}),
        ("企业技术中心的认定条件有哪些？", set()),
    ],
)
def test_the_kind_of_figure_asked_for(question: str, expected: set[str]) -> None:
    kinds = asked_figure(question).kinds
    assert expected <= kinds
    assert bool(kinds) == bool(expected)
