"""Extractive answers: verbatim quotes of the best clause sentences, each with its marker.

Most tests pin the rule-based lead (`span_model="none"`): they test composition, not the trained span
model, whose choices are measured by the eval suite; the last tests run the packaged model."""

from qa_service.answering.citations import parse_citations, split_sentences, strip_citations, verify_answer
from qa_service.answering.extractive import extractive_answer
from qa_service.answering.numbers import extract_figures, figure_supported

# Invented clauses, best first, as retrieval would return them.
CLAUSES = [
    "（三）鼓励企业加大研发投入。对上年度研发费用超过500万元的规模以上工业企业，按研发费用增量部分的10%给予奖补，"
    "单个企业每年最高奖补300万元。奖补资金由市、县两级财政按5:5比例分担。",
    "（五）支持创新平台建设。对新认定的国家级企业技术中心，一次性奖励200万元；对新认定的自治区级企业技术中心，"
    "一次性奖励50万元。",
    "（七）优化人才服务。对企业引进的高层次人才，按规定享受子女入学、医疗保障等服务。",
]
TRADITIONAL = ["（二）支持技術改造。對優質項目按設備購置額的１２％予以補助，單個項目最高補助３００萬元。"]


def assert_verbatim(answer, clauses) -> None:
    for number, quotes in answer.quotes.items():
        for quote in quotes:
            assert quote in clauses[number - 1]
            assert f"{quote}[{number}]" in answer.text or f"“{quote}” [{number}]" in answer.text


def assert_figures_come_from_cited_clauses(text, clauses) -> None:
    for sentence in split_sentences(text):
        cited = [clauses[n - 1] for n in parse_citations(sentence)]
        assert cited, sentence
        for figure in extract_figures(strip_citations(sentence)):
            assert figure_supported(figure, cited), figure


def test_a_how_much_question_gets_the_sentence_with_the_figure() -> None:
    answer = extractive_answer("研发费用奖补每家企业最多能拿多少？", CLAUSES, span_model="none")
    assert answer.quotes[1][0] == (
        "对上年度研发费用超过500万元的规模以上工业企业，按研发费用增量部分的10%给予奖补，单个企业每年最高奖补300万元"
    )
    assert answer.cited[0] == 1
    assert "300万元[1]。" in answer.text
    assert_verbatim(answer, CLAUSES)
    assert_figures_come_from_cited_clauses(answer.text, CLAUSES)


def test_the_answer_cites_the_clause_that_says_it() -> None:
    answer = extractive_answer("新认定自治区级企业技术中心奖励多少？", CLAUSES, span_model="none")
    assert answer.cited == [2]
    assert "一次性奖励50万元[2]。" in answer.text
    assert_verbatim(answer, CLAUSES)


def test_the_extractive_answer_passes_verification() -> None:
    for question in ["研发奖补比例是多少", "国家级技术中心奖多少钱", "引进人才有什么服务", "财政怎么分担"]:
        answer = extractive_answer(question, CLAUSES, span_model="none")
        result = verify_answer(answer.text, CLAUSES)
        assert result.ok and result.removed == [], question
        assert result.cited == answer.cited
        assert_figures_come_from_cited_clauses(answer.text, CLAUSES)


def test_quotes_are_ordered_by_clause_rank_then_position() -> None:
    answer = extractive_answer(
        "研发投入奖补和技术中心奖励分别是多少？", CLAUSES, max_sentences=3, span_model="none"
    )
    assert answer.cited == sorted(answer.cited)
    positions = [
        (number, CLAUSES[number - 1].index(quote))
        for number, quotes in answer.quotes.items()
        for quote in quotes
    ]
    assert positions == sorted(positions)
    assert len(positions) <= 3


def test_a_further_clause_read_as_not_answering_is_not_quoted() -> None:
    question = "研发投入奖补和技术中心奖励分别是多少？"
    both = extractive_answer(question, CLAUSES, max_sentences=3, span_model="none")
    assert 2 in both.cited
    judged = extractive_answer(
        question, CLAUSES, max_sentences=3, span_model="none", clause_answers=[True, False, False]
    )
    assert judged.cited == [1]
    unread = extractive_answer(question, CLAUSES, max_sentences=3, span_model="none", clause_answers=[True])
    assert unread.cited == both.cited


def test_max_sentences_is_respected() -> None:
    answer = extractive_answer(
        "研发投入奖补和技术中心奖励分别是多少？", CLAUSES, max_sentences=1, span_model="none"
    )
    assert sum(len(quotes) for quotes in answer.quotes.values()) == 1


def test_english_answers_lead_in_english_and_quote_chinese_verbatim() -> None:
    answer = extractive_answer(
        "What is the maximum R&D subsidy per company?", CLAUSES, lang="en", span_model="none"
    )
    assert answer.text.startswith("The documents state")  # an English first sentence …
    assert "“" in answer.text  # … then the Chinese quote
    assert answer.cited == [1]  # no Chinese word to match: stay with the best-ranked clause
    assert_verbatim(answer, CLAUSES)
    assert verify_answer(answer.text, CLAUSES).ok


def test_traditional_clauses_are_quoted_in_their_own_script() -> None:
    answer = extractive_answer("技改项目最多补助多少？", TRADITIONAL, span_model="none")
    assert answer.quotes == {1: ["對優質項目按設備購置額的１２％予以補助，單個項目最高補助３００萬元"]}
    assert answer.text == "對優質項目按設備購置額的１２％予以補助，單個項目最高補助３００萬元[1]。"


def test_long_sentences_are_narrowed_to_their_best_phrases() -> None:
    filler = "，".join(f"推动第{index}批重点项目建设" for index in range(1, 16))
    clause = f"{filler}，对通过验收的中试基地给予一次性奖励80万元，{filler}。"
    answer = extractive_answer("中试基地验收后奖励多少？", [clause], span_model="none")
    quote = answer.quotes[1][0]
    assert "80万元" in quote and quote in clause and len(quote) <= 150


def test_no_clauses_no_answer() -> None:
    assert extractive_answer("补助多少？", [], span_model="none").text == ""
    assert extractive_answer("补助多少？", ["   "], span_model="none").cited == []


def test_the_packaged_span_model_leads_with_a_verbatim_span_stating_the_figure() -> None:
    answer = extractive_answer("研发费用奖补每家企业最多能拿多少？", CLAUSES, clause_scores=[3.0, 1.0, 0.5])
    first = split_sentences(answer.text)[0]
    assert extract_figures(strip_citations(first))
    assert_verbatim(answer, CLAUSES)
    assert_figures_come_from_cited_clauses(answer.text, CLAUSES)
    assert answer.lead_score is not None
