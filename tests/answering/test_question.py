"""Question analysis: language, script, content words, the kind of figure asked for."""

import pytest

from qa_service.answering.question import (
    asked_figure,
    code_signals,
    content_bigrams,
    content_size,
    content_words,
    detect_language,
    has_words,
    is_mash,
    is_one_word,
    is_phatic,
    is_traditional,
    keyboard_walk,
    mash_share,
)
from qa_service.core.config import Settings


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


# --- Does the question say anything? ------------------------------------------------------------

WALK, DISTINCT = Settings().refusal_mash_walk, Settings().refusal_mash_distinct


@pytest.mark.parametrize(
    ("word", "expected"),
    [("asdfghjkl", 1.0), ("poiuytrewq", 1.0), ("subsidy", 0.0), ("power", 0.75)],
)
def test_keyboard_walk_is_the_share_of_neighbouring_keys(word: str, expected: float) -> None:
    assert keyboard_walk(word) == pytest.approx(expected)


@pytest.mark.parametrize("run", ["zxcvbnm", "kkkkkkk", "blahblahblah", "呜呜呜呜", "好好好", "加油加油加油"])
def test_mashed_runs(run: str) -> None:
    assert is_mash(run, walk=WALK, distinct=DISTINCT)


@pytest.mark.parametrize("run", ["subsidy", "enterprise", "technology", "谢谢", "科技型中小企业", "三百二千"])
def test_words_are_not_mash(run: str) -> None:
    assert not is_mash(run, walk=WALK, distinct=DISTINCT)


def test_mash_share_counts_the_letters_in_mashed_runs() -> None:
    assert mash_share("fdsa;lkj", walk=WALK, distinct=DISTINCT) == 1.0  # one walk across the ";" key
    assert mash_share("qwerty 技改补多少", walk=WALK, distinct=DISTINCT) == pytest.approx(6 / 11)
    assert mash_share("柳州技改最多补多少？", walk=WALK, distinct=DISTINCT) == 0.0
    assert mash_share("？？？", walk=WALK, distinct=DISTINCT) == 0.0


@pytest.mark.parametrize(
    "question",
    [
        "UPDATE t SET a=1;",
        "cat ~/.ssh/id_rsa",
        "print(open('x').read())",
        "<b onclick=x>",
        "INSERT INTO logs VALUES (1)",
        "wget -O- example.org",
        "2y + 4 = 10",
    ],
)
def test_code_has_at_least_two_marks(question: str) -> None:
    assert code_signals(question) >= 2


@pytest.mark.parametrize(
    "question",
    [
        'What does Liuzhou\'s "Industrial Loan" (柳州工业贷) cover, and is it 2025–2027?',
        "R&D费用加计扣除按100%还是75%？",
        "柳政规〔2025〕3号第一条（二）怎么说？",
        "See https://www.gxzf.gov.cn/zfwj/t1.shtml: what subsidy applies?",
        "What is the derivative of sin(x)?",
        "2021-2023年和2025-2027年的目标各是什么？",
        "1+N模式是什么？",
        "Where can I apply from Liuzhou?",
    ],
)
def test_prose_has_at_most_one_mark_of_code(question: str) -> None:
    assert code_signals(question) <= 1


def test_a_question_needs_letters_or_characters() -> None:
    assert not has_words("？？") and not has_words("2025") and not has_words("🙂🙂")
    assert has_words("R&D") and has_words("补")


@pytest.mark.parametrize(
    ("question", "size"),
    [
        ("贴息", 2),
        ("技改补多少？", 3),
        ("你是谁？", 0),
        ("谢谢你！", 0),
        ("how are you?", 0),
        ("Good evening!", 0),
        ("null", 1),
        ("What's your name", 0),
        ("what is the subsidy for tech upgrades", 3),
        ("你好，技改补多少？", 3),  # a greeting before a real question leaves the question
    ],
)
def test_content_size_leaves_out_function_words_and_greetings(question: str, size: int) -> None:
    assert content_size(question) == size


def test_greetings_and_talk_about_the_assistant_are_phatic() -> None:
    assert is_phatic("您好！") and is_phatic("Who are you?") and is_phatic("哈哈哈")
    assert not is_phatic("柳州技改最多补多少？")
    assert content_words("你好，技改补多少？") == ("技改", "补")


def test_one_word_inputs() -> None:
    assert is_one_word("null") and is_one_word("贴息？") and is_one_word("药")
    assert not is_one_word("What is the deadline?") and not is_one_word("技改补多少")
