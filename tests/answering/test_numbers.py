"""Figure extraction and normalisation: what counts as a figure, and which figures are the same."""

from decimal import Decimal

import pytest

from qa_service.answering.numbers import extract_figures, figure_supported, parse_chinese_number


def only_figure(text: str):
    figures = extract_figures(text)
    assert len(figures) == 1, [f.text for f in figures]
    return figures[0]


@pytest.mark.parametrize(
    ("text", "kind", "value", "unit"),
    [
        ("单个项目最高补助400万元", "money", Decimal(4_000_000), "CNY"),
        ("每年安排不低于1.4亿元资金", "money", Decimal(140_000_000), "CNY"),
        ("年度奖补资金3000万元", "money", Decimal(30_000_000), "CNY"),
        ("最高补助５００萬元", "money", Decimal(5_000_000), "CNY"),
        ("給予一百万元獎勵", "money", Decimal(1_000_000), "CNY"),
        ("按设备投资额的15%给予补助", "percent", Decimal(15), ""),
        ("按百分之十五给予补助", "percent", Decimal(15), ""),
        ("利率下浮0.2%", "percent", Decimal("0.2"), ""),
        ("降低3个百分点", "percentage_point", Decimal(3), ""),
        ("提供200平方米办公场地", "area", Decimal(200), "m2"),
        ("引进10人以上团队", "people", Decimal(10), "人"),
        ("认定十家示范企业", "count", Decimal(10), "家"),
        ("连续支持5年", "duration", Decimal(5), "年"),
        ("2026年起施行", "year", Decimal(2026), ""),
        ("RMB 4 million per project", "money", Decimal(4_000_000), "CNY"),
        ("up to 4 million yuan", "money", Decimal(4_000_000), "CNY"),
        ("a subsidy of 15 percent", "percent", Decimal(15), ""),
        ("US$2 million", "money", Decimal(2_000_000), "USD"),
    ],
)
def test_figures_are_recognised_with_canonical_values(text, kind, value, unit) -> None:
    figure = only_figure(text)
    assert (figure.kind, figure.value, figure.unit) == (kind, value, unit)
    assert figure.text in text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2027年12月底前完成建设", "2027-12-*"),
        ("自2025年4月8日起施行", "2025-4-8"),
        ("二〇二五年四月八日", "2025-4-8"),
        ("effective from April 8, 2025", "2025-4-8"),
        ("by the end of December 2027", "2027-12-*"),
        ("发布日期：2023-11-15", "2023-11-15"),
    ],
)
def test_dates(text, value) -> None:
    figure = only_figure(text)
    assert (figure.kind, figure.value) == ("date", value)


@pytest.mark.parametrize(
    ("claim", "source"),
    [
        ("400万元", "单个项目最高补助4,000,000元"),
        ("RMB 4 million", "单个项目最高补助400万元"),
        ("4 million yuan", "单个项目最高补助400万元"),
        ("4,000,000 yuan", "单个项目最高补助400万元"),
        ("４００万元", "单个项目最高补助400万元"),
        ("500萬元", "最高给予500万元奖励"),
        ("五百万元", "最高给予500万元奖励"),
        ("15%", "按百分之十五给予补助"),
        ("百分之十五", "按15%给予补助"),
        ("15 percent", "按15％给予补助"),
        ("140 million yuan", "每年安排不低于1.4亿元"),
        ("10家", "认定十家示范企业"),
        ("10 enterprises", "认定10家示范企业"),
        ("10 people", "团队核心成员不少于10人"),
        ("200 square metres", "提供200平方米办公场地"),
        ("2025年4月", "自2025年4月8日起施行"),
        ("April 8, 2025", "自2025年4月8日起施行"),
        ("end of December 2027", "2027年12月底前完成建设"),
        ("100万元", "分别给予100—500万元补助"),  # the unit of a range belongs to both ends
    ],
)
def test_equivalent_figures_are_supported(claim, source) -> None:
    assert figure_supported(only_figure(claim), [source])


@pytest.mark.parametrize(
    ("claim", "source"),
    [
        ("400元", "单个项目最高补助400万元"),
        ("40万元", "单个项目最高补助400万元"),
        ("400万美元", "单个项目最高补助400万元"),
        ("15个百分点", "按15%给予补助"),
        ("2%", "利率下浮0.2%"),
        ("10项", "认定10家示范企业"),
        ("2025年4月9日", "自2025年4月8日起施行"),
        ("2025年4月8日", "2025年4月起施行"),  # more precise than the source
        ("5 years", "连续支持3年"),
    ],
)
def test_different_figures_are_not_supported(claim, source) -> None:
    assert not figure_supported(only_figure(claim), [source])


def test_a_year_is_supported_only_by_a_source_that_mentions_it() -> None:
    year = only_figure("2023年")
    assert figure_supported(year, ["自2023年6月20日起施行"])
    assert figure_supported(year, ["《行动方案（2021—2023年）》"])
    assert not figure_supported(year, ["自2024年6月20日起施行", "补助400万元"])


def test_support_looks_at_every_source() -> None:
    figure = only_figure("贴息50%")
    assert figure_supported(figure, ["单个项目最高补助400万元", "按贷款利息的50%给予贴息"])
    assert not figure_supported(figure, [])


@pytest.mark.parametrize(
    "text",
    [
        "（一）支持技术改造",
        "一、总体要求",
        "1.对优质项目予以支持",
        "(2)对新认定的平台予以奖励",
        "①申报主体为独立法人",
        "第十五条 有下列情形之一的，撤销资格",
        "依照第五条规定执行",
        "一是加大投入，二是优化服务",
        "统一规划、三大高地、十四五时期",
        "柳政规〔2025〕3号",
        "个人提案第20230456号",
        "详见第[1]条和[2]",
        "支持IPv6、5G和H100",
        "索引号：00258306-X/2023-70188",
        "依据《广西科技创新行动方案（2025—2027年）》",
        "Article 15 and No. 3",
    ],
)
def test_labels_and_references_are_not_figures(text) -> None:
    assert extract_figures(text) == []


def test_spans_point_into_the_original_text() -> None:
    text = "對優質項目按１５％予以補助，單個項目最高補助４００萬元（2025年4月8日起）。"
    figures = extract_figures(text)
    assert [f.text for f in figures] == ["１５％", "４００萬元", "2025年4月8日"]
    assert all(text[f.start : f.end] == f.text for f in figures)


def test_ranges_give_both_ends_the_unit() -> None:
    figures = extract_figures("按类型分别给予100—5000万元补助，建设2—3个中试基地，实施期为2025-2027年")
    assert [(f.kind, f.value) for f in figures] == [
        ("money", Decimal(1_000_000)),
        ("money", Decimal(50_000_000)),
        ("count", Decimal(2)),
        ("count", Decimal(3)),
        ("year", Decimal(2025)),
        ("year", Decimal(2027)),
    ]


def test_a_figure_with_an_approximation_word_keeps_its_unit() -> None:
    assert only_figure("参会企业代表300余人").kind == "people"
    assert only_figure("累计投入2000多万元").value == Decimal(20_000_000)


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("十五", 15), ("二十三", 23), ("一百零五", 105), ("五百万", 5_000_000), ("一亿五千万", 150_000_000)],
)
def test_chinese_numerals(numeral, value) -> None:
    assert parse_chinese_number(numeral) == value


def test_chinese_numeral_with_a_decimal_point() -> None:
    assert parse_chinese_number("一点四亿") == Decimal(140_000_000)
    assert parse_chinese_number("统一") is None
