"""Follow-up questions rewritten into standalone queries by rule."""

from qa_service.answering.followup import Turn, standalone_query

HISTORY = [
    Turn("user", "技改项目柳州最多能补多少？"),
    Turn("assistant", "单个项目最高补助400万元[1]。"),
]


def test_a_question_without_history_is_unchanged() -> None:
    rewrite = standalone_query("  那数字化转型呢？ ", [])
    assert rewrite.query == "那数字化转型呢？" and not rewrite.rewritten


def test_topic_swap_keeps_the_previous_ask() -> None:
    rewrite = standalone_query("那数字化转型呢？", HISTORY)
    assert rewrite.rewritten
    assert rewrite.query.startswith("数字化转型最多能补多少？")
    # Where the previous question was about stays as context; its old topic does not.
    assert rewrite.query.endswith("柳州市") and "技改" not in rewrite.query


def test_back_reference_is_joined_to_the_previous_question() -> None:
    rewrite = standalone_query("这个政策由谁负责解释？", HISTORY)
    assert rewrite.query.startswith("技改项目柳州最多能补多少？")
    assert rewrite.query.endswith("这个政策由谁负责解释？")


def test_a_full_new_question_stands_alone() -> None:
    question = "广西企业技术中心认定需要满足哪些条件？"
    assert standalone_query(question, HISTORY).query == question


def test_english_what_about() -> None:
    history = [Turn("user", "How much can a technical renovation project get in Liuzhou?")]
    rewrite = standalone_query("What about digital transformation?", history)
    assert "digital transformation" in rewrite.query and "How much" in rewrite.query


def test_assistant_turns_are_not_taken_for_the_previous_question() -> None:
    history = [Turn("assistant", "单个项目最高补助400万元。")]
    assert not standalone_query("那数字化转型呢？", history).rewritten
