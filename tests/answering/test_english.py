from qa_service.answering.english import english_lead


def test_money_with_limit_and_original_form() -> None:
    assert english_lead("单个项目最高补助400万元") == "The documents state up to RMB 4 million (400万元)"


def test_at_least_and_hundred_millions() -> None:
    assert english_lead("每年市级财政安排不低于1.4亿元资金") == (
        "The documents state at least RMB 140 million (1.4亿元)"
    )


def test_duration_and_percent() -> None:
    assert english_lead("连续5年按照营业收入的50%给予补助") == "The documents state 5 years (5年), 50%"
    assert english_lead("试用期不得超过六个月") == "The documents state up to 6 months (六个月)"


def test_no_figure() -> None:
    assert english_lead("由住房公积金管理中心责令限期办理") == "The documents state"
