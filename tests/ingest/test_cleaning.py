from qa_service.ingest.cleaning import clean_text
from qa_service.ingest.normalize import compact, normalize_for_matching, strip_pinyin
from tests.conftest import seed_text


def test_pinyin_damage_is_removed_but_real_parentheses_stay() -> None:
    damaged = "當(dāng)前企業(yè)收到您的提案(個人提案第20230456號),研究與試驗發展(R&D)"
    assert strip_pinyin(damaged) == "當前企業收到您的提案(個人提案第20230456號),研究與試驗發展(R&D)"


def test_pinyin_after_latin_or_digit_is_not_touched() -> None:
    assert strip_pinyin("ABC(de) 2023(nian)") == "ABC(de) 2023(nian)"


def test_matching_form_is_simplified_nfkc_and_lowercase() -> None:
    assert normalize_for_matching("自治區財政廳 ５００萬元 AI") == "自治区财政厅 500万元 ai"
    assert compact("500 萬元\u3000補助") == "500万元补助"


def test_spaces_are_normalised() -> None:
    assert clean_text("第一条\u00a0为了\u3000规范") == "第一条 为了 规范"


def test_seed_000_furniture_and_spam_are_dropped() -> None:
    cleaned = clean_text(seed_text("000"))
    lines = cleaned.split("\n")
    assert not any("国产精品" in line or "在线观看" in line for line in lines)
    assert not any(line.startswith(("當前位置", "分享", "微博")) for line in lines)
    assert "(dāng)" not in cleaned
    assert lines[0].startswith("自治區科技廳關于對自治區政協")
    # policy text survives, in its own (traditional) script
    assert any(line.startswith("一、關于優化體制機制") for line in lines)
    assert lines[-1] == "2023年8月24日"


def test_seed_001_navigation_menus_and_pagination_are_dropped() -> None:
    lines = clean_text(seed_text("001")).split("\n")
    for furniture in ("信息之窗", "首页", "走进汽研", "1", "2", "> 最新政策"):
        assert furniture not in lines
    assert sum(len(line) > 2000 for line in lines) == 8  # the eight one-line documents
