from qa_service.retrieval.query_expansion import expand_query


def test_abbreviations_are_spelled_out_and_the_question_kept() -> None:
    expanded = expand_query("我们厂做技改，最多补多少？")
    assert expanded.startswith("我们厂做技改，最多补多少？")
    assert "技术改造" in expanded


def test_traditional_abbreviations_match_too() -> None:
    assert "高新技术企业" in expand_query("高企認定有什麼條件")


def test_plain_questions_are_unchanged() -> None:
    assert expand_query("企业技术中心认定条件") == "企业技术中心认定条件"
