import random

import pytest

from qa_service.evaluation.scoring import (
    all_quotes_covered,
    answer_chars,
    citation_precision,
    citation_recall,
    covers,
    first_covering_rank,
    first_sentence,
    group_mean,
    key_fact_accuracy,
    key_fact_first_sentence,
    longest_common_substring_len,
    normalize,
)

# --- normalize ---------------------------------------------------------------------------------------


def test_pinyin_annotations_after_chinese_characters_are_removed() -> None:
    assert normalize("企業(yè)") == "企业"
    assert normalize("當(dāng)前企(qǐ)業(yè)發(fā)展") == "当前企业发展"
    assert normalize("綠(lǜ)色") == "绿色"
    assert normalize("企業（yè）") == "企业"  # NFKC first turns full-width parentheses into ASCII ones


def test_other_parentheses_are_kept() -> None:
    assert normalize("研發(R&D)投入") == "研发(r&d)投入"
    assert normalize("(個人提案第20230456號)") == "(个人提案第20230456号)"
    assert normalize("提案(個人提案第20230456號)") == "提案(个人提案第20230456号)"
    assert normalize("ABC(de)") == "abc(de)"  # not after a Chinese character
    assert normalize("20(ge)") == "20(ge)"
    assert normalize("企業(YE)") == "企业(ye)"  # upper case is not pinyin: lower-casing comes last
    assert normalize("企業(ye2)") == "企业(ye2)"
    assert normalize("企業 (yè)") == "企业(yè)"  # the rule removes whitespace only after the pinyin step


def test_full_width_forms_whitespace_and_script() -> None:
    assert normalize("５００萬元") == "500万元"
    assert normalize("ＡＢＣ％") == "abc%"
    assert normalize(" 最高\u3000補助\t500\n萬元\u00a0。 ") == "最高补助500万元。"
    assert normalize("與會議員對發展經濟") == "与会议员对发展经济"
    assert normalize("Industrial Loan Program") == "industrialloanprogram"
    assert normalize("") == ""


# --- coverage ------------------------------------------------------------------------------------------


def test_longest_common_substring_matches_a_brute_force_dp() -> None:
    def brute(a: str, b: str) -> int:
        best = 0
        previous = [0] * (len(b) + 1)
        for char_a in a:
            current = [0] * (len(b) + 1)
            for j, char_b in enumerate(b, start=1):
                if char_a == char_b:
                    current[j] = previous[j - 1] + 1
                    best = max(best, current[j])
            previous = current
        return best

    generator = random.Random(7)
    for _ in range(300):
        a = "".join(generator.choice("甲乙丙丁ab") for _ in range(generator.randint(0, 60)))
        b = "".join(generator.choice("甲乙丙丁ab") for _ in range(generator.randint(0, 25)))
        assert longest_common_substring_len(a, b) == brute(a, b), (a, b)
    # a second sequence of 200+ characters, where difflib's autojunk heuristic would drop popular ones
    for _ in range(5):
        a = "".join(generator.choice("甲乙丙丁ab") for _ in range(80))
        b = "".join(generator.choice("甲乙丙丁ab") for _ in range(260))
        assert longest_common_substring_len(a, b) == brute(a, b)


def test_covers_by_normalised_substring() -> None:
    quote = "单个企业最高奖励250万元"
    assert covers("对优质企业，单个企业最高奖励 250万元。", quote)
    assert covers("…單個企業最高獎勵２５０萬元…", quote)  # other script, full-width digits
    assert covers("企(qǐ)業(yè)單個企業最高獎勵250萬元", "企业单个企业最高奖励250万元")
    assert not covers("单个企业最高奖励100万元以上的其他企业", "每年安排3亿元")
    assert not covers("任何文字", "")
    assert not covers("任何文字", " \n")  # normalises to empty


def test_covers_a_quote_straddling_two_passages() -> None:
    even = "第一条甲乙丙丁第二条戊己庚辛"  # 14 characters: 7 in each chunk
    first, second = f"前文……{even[:7]}", f"{even[7:]}……后文"
    assert covers(first, even) and covers(second, even)  # 7 ≥ 14 / 2
    assert all_quotes_covered(["无关", second], [even], k=2)

    odd = "第一条甲乙丙丁第二条戊己庚辛壬"  # 15 characters: 7 + 8
    first, second = f"前文{odd[:7]}", f"{odd[7:]}后文"
    assert not covers(first, odd)  # 7 < 7.5
    assert covers(second, odd)  # 8 ≥ 7.5
    assert first_covering_rank([first, second], [odd]) == 2


def test_half_overlap_is_counted_on_the_normalised_quote() -> None:
    quote = "企(qǐ)業(yè)單個項目"  # normalises to 企业单个项目: 6 characters
    assert covers("单个项目", quote)  # 4 ≥ 3
    assert not covers("其他企业", quote)  # 2 < 3
    assert not covers("企业", "企业单个项目最")  # 2 of 7


# --- answer metrics ------------------------------------------------------------------------------------------


def test_citation_precision_and_recall() -> None:
    quotes = ["单个企业最高奖励250万元", "每年安排资金不低于3亿元"]
    assert citation_precision([], quotes) == 0.0  # nothing cited
    assert citation_recall([], quotes) == 0.0
    assert citation_precision(["……单个企业最高奖励250万元。", "无关条款内容"], quotes) == 0.5
    assert citation_recall(["……单个企业最高奖励250万元。", "无关条款内容"], quotes) == 0.5
    both = "单个企业最高奖励250万元；每年安排资金不低于3亿元"
    assert citation_precision([both], quotes) == 1.0
    assert citation_recall([both], quotes) == 1.0
    assert citation_recall(["單個企業最高獎勵250萬元", "每年安排資金不低於3億元"], quotes) == 1.0
    assert citation_recall(["任何"], []) == 0.0


def test_key_facts_are_found_in_either_form() -> None:
    assert key_fact_accuracy("最高补助500萬元。", ["500万元"]) == 1.0  # normalisation alone bridges scripts
    assert key_fact_accuracy("最高补助500万元", ["500萬元"]) == 1.0  # the key fact is normalised too
    assert key_fact_accuracy("最高补助500萬元", ["500万元"], ["500萬元"]) == 1.0
    assert key_fact_accuracy("最高补助 ５００ 万元", ["500万元"]) == 1.0
    assert key_fact_accuracy("最高补助300万元", ["500万元"], ["500萬元"]) == 0.0
    assert key_fact_accuracy("无", []) == 0.0


def test_paired_alternative_forms_with_gaps() -> None:
    facts, alt = ["7家", "6300万元", "15%"], [None, "6300萬元", None]
    assert key_fact_accuracy("共签约7家,金额6300萬元", facts, alt) == pytest.approx(2 / 3)
    assert key_fact_accuracy("金额6300萬元,补助15%", facts, alt) == pytest.approx(2 / 3)
    # a paired form only counts for its own fact
    assert key_fact_accuracy("RMB 5 million", ["500万元", "3年"], ["RMB 5 million", None]) == 0.5
    assert key_fact_accuracy("for 3 years", ["500万元", "3年"], ["RMB 5 million", None]) == 0.0


def test_unpaired_alternative_forms_go_to_the_most_similar_fact() -> None:
    # one alternative for two facts: it belongs to 2.35亿元 (shares "2.35"), not to the first fact
    facts = ["416家", "2.35亿元"]
    assert key_fact_accuracy("2.35 billion yuan", facts, ["2.35 billion yuan"]) == 0.5
    assert key_fact_accuracy("2.35 billion yuan for 416家", facts, ["2.35 billion yuan"]) == 1.0
    facts = ["创新贷", "2个百分点", "15%"]
    assert key_fact_accuracy("利率下降2 percentage points", facts, ["2 percentage points"]) == pytest.approx(
        1 / 3
    )
    assert key_fact_accuracy("15 percent", facts, ["sci-tech loan", "15 percent"]) == pytest.approx(1 / 3)
    # a form sharing nothing with any fact is ignored, and one fact is never counted twice
    assert key_fact_accuracy("xyz", facts, ["xyz"]) == 0.0
    assert key_fact_accuracy("创新贷款", ["创新贷"], ["创新贷款", "创新"]) == 1.0


def test_group_mean() -> None:
    rows = [
        {"type": "numeric", "kfa": 1.0, "refused": False},
        {"type": "numeric", "kfa": 0.5, "refused": True},
        {"type": "unanswerable", "kfa": None, "refused": True},
        {"type": "unanswerable", "refused": True},
    ]
    assert group_mean(rows, "type", ["kfa", "refused"]) == {
        "numeric": {"kfa": 0.75, "refused": 0.5},
        "unanswerable": {"refused": 1.0},  # no row of the group has kfa: left out, not 0
    }
    assert group_mean([], "type", ["kfa"]) == {}
    assert group_mean([{"kfa": 1.0}], "type", ["kfa"]) == {"None": {"kfa": 1.0}}


# --- answer form -----------------------------------------------------------------------------------------


def test_first_sentence_ends_at_chinese_and_ascii_stops_and_line_breaks() -> None:
    assert (
        first_sentence("单个项目最高补助400万元[1]。按设备投资额的15%补助[2]。")
        == "单个项目最高补助400万元。"
    )
    assert first_sentence("可以吗？可以[1]！") == "可以吗？"
    assert first_sentence("根据文件：\n- 最高补助400万元[1]") == "根据文件："
    assert first_sentence("Is it covered? Yes.") == "Is it covered?"
    assert first_sentence("没有句号的回答[1]") == "没有句号的回答"
    assert first_sentence("") == ""


def test_an_english_first_sentence_ends_at_a_full_stop_and_space_only() -> None:
    answer = "The grant is up to 4.5 million yuan [1]. It covers 15% of the investment [2]."
    assert first_sentence(answer) == "The grant is up to 4.5 million yuan."
    assert first_sentence("Up to RMB 4 million.Next") == "Up to RMB 4 million.Next"


def test_blank_lines_and_stray_stops_before_the_answer_are_skipped() -> None:
    assert first_sentence("\n\n。最高补助400万元[1]。其他") == "最高补助400万元。"


def test_key_facts_in_the_first_sentence_use_both_forms_and_normalisation() -> None:
    answer = "單個項目最高補助400萬元[1]。按不超过15%予以补助[2]。"
    assert key_fact_first_sentence(answer, ["400万元", "15%"]) == 0.5
    assert key_fact_accuracy(answer, ["400万元", "15%"]) == 1.0
    assert key_fact_first_sentence("补助比例15%，最高400万元[1]。", ["400万元", "15%"]) == 1.0
    # the alternative form counts as the fact, as in key_fact_accuracy
    assert key_fact_first_sentence("最高五百万元。", ["500万元"], ["五百万元"]) == 1.0
    lead_in = "根据文件，相关规定如下：\n[1] 单个项目最高补助400万元。"
    assert key_fact_first_sentence(lead_in, ["400万元"]) == 0.0


def test_answer_chars_leave_out_citation_markers() -> None:
    assert answer_chars("最高补助400万元[1]。") == len("最高补助400万元。")
    assert answer_chars("最高[1][2]，见［3］和【4】。") == len("最高，见和。")
    assert answer_chars("") == 0
