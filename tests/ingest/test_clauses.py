from qa_service.ingest.clauses import find_markers, parse_clauses
from qa_service.ingest.numerals import chinese_integer


def _labels(node) -> list[str]:
    return [child.label for child in node.children]


def test_chinese_numerals() -> None:
    assert [chinese_integer(text) for text in ("一", "十", "十二", "二十", "二十一", "一百零五")] == [
        1,
        10,
        12,
        20,
        21,
        105,
    ]


def test_one_line_document_is_parsed_into_sections_and_items() -> None:
    body = (
        "为支持企业发展,制定本措施。 一、支持制造业高端化 (一)支持企业科技创新。给予最高500万元资助。"
        " (二)支持企业技术改造。单个项目最高补助400万元。 二、构建金融支撑体系 (三)加快设立工业贷。每年安排1亿元。"
    )
    root = parse_clauses(body)
    assert root.text == "为支持企业发展,制定本措施。"
    assert _labels(root) == ["一、", "二、"]
    first, second = root.children
    assert first.title == "支持制造业高端化" and first.text == ""
    assert _labels(first) == ["(一)", "(二)"]
    assert first.children[1].text.startswith("(二)支持企业技术改造。")
    # numbering that runs on across sections, （三） under 二、
    assert _labels(second) == ["(三)"]


def test_in_text_references_are_not_headings() -> None:
    body = "第一条 为了规范管理,制定本办法。\n第二条 依照第五条规定办理。因本办法第十五条第(一)(二)项所列原因撤销的,不得申请。"
    root = parse_clauses(body)
    assert _labels(root) == ["第一条", "第二条"]
    assert root.children[1].children == []


def test_numbers_that_break_the_sequence_are_not_headings() -> None:
    hits = find_markers("一、总体要求\n内容。\n五、不连续\n内容。\n二、重点任务\n内容。")
    assert [hit.label for hit in hits] == ["一、", "二、"]


def test_decimal_numbers_are_not_list_items() -> None:
    hits = find_markers("投入强度突破1.3%。 1.加强攻关。 2.强化应用。 增长 3.5%")
    assert [hit.label for hit in hits] == ["1.", "2."]


def test_markdown_law_chapters_and_articles() -> None:
    body = "## 第一章 总则\n\n第一条 为了测试,制定本法。\n\n本法适用于全国。\n\n## 第二章 管理\n\n第二条 有下列情形之一的:\n(一)甲;\n(二)乙。\n\n第三条 依照第二条处理。"
    root = parse_clauses(body.replace("## ", ""))
    assert [child.heading for child in root.children] == ["第一章 总则", "第二章 管理"]
    first_article = root.children[0].children[0]
    assert "本法适用于全国" in first_article.text  # a 条's later paragraphs stay with it
    second_chapter = root.children[1]
    assert _labels(second_chapter) == ["第二条", "第三条"]
    assert _labels(second_chapter.children[0]) == ["(一)", "(二)"]


def test_yishi_enumeration_needs_a_second_item_and_ends_with_its_paragraph() -> None:
    body = "一、加强合作\n我们要加强合作。一是推动对接。二是争取支持。\n下一步,继续努力。\n二、其他\n统一是重要的。"
    root = parse_clauses(body)
    first = root.children[0]
    assert [child.kind for child in first.children] == ["shi", "shi", "para"]
    assert first.children[2].text == "下一步,继续努力。"
    assert root.children[1].children == []  # "统一是" is a word, not an item


def test_heading_followed_by_run_in_phrase_on_one_line() -> None:
    root = parse_clauses("二、功能定位 概念验证是科技成果转化的关键基础。")
    (section,) = root.children
    assert section.title == "功能定位"
    assert section.text.startswith("概念验证是")


def test_short_lead_in_with_items_becomes_their_heading() -> None:
    root = parse_clauses("第一条 企业应具备以下条件:\n(一)具有独立法人资格;\n(二)运作一年以上。")
    (article,) = root.children
    assert article.title == "企业应具备以下条件:" and article.text == ""
    assert article.heading == "第一条 企业应具备以下条件:"
