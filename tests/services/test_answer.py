"""The /ask pipeline on the real seeds index, with a scripted generator standing in for the LLM so each
verification path can be forced (the real model is exercised in tests/api/test_ask_api.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from qa_service.answering.numbers import extract_figures, figure_supported
from qa_service.core.config import Settings
from qa_service.generation.llm import GeneratorUnavailableError
from qa_service.services.answer import AnswerService, AskRequest, GenerationUnavailableError
from qa_service.services.search import InvalidQueryError, UnknownDocumentError

pytestmark = pytest.mark.slow

TECH_RENOVATION = "柳州市技改项目最高补助多少？"
OFF_TOPIC = "今天天气怎么样？"


class ScriptedGenerator:
    """Answers by a rule over the prompt it is given, and records every call."""

    name = "scripted.gguf"

    def __init__(self, reply: Callable[[str], str], available: bool = True) -> None:
        self.reply = reply
        self.available = available
        self.prompts: list[str] = []

    def load(self) -> None:
        if not self.available:
            raise GeneratorUnavailableError("no model here")

    def complete(self, prompt: str, *, max_tokens: int, stop: list[str]) -> str:
        return "".join(self.stream(prompt, max_tokens=max_tokens, stop=stop))

    def stream(self, prompt: str, *, max_tokens: int, stop: list[str]) -> Iterator[str]:
        self.prompts.append(prompt)
        text = self.reply(prompt)
        for start in range(0, len(text), 3):
            yield text[start : start + 3]


def last_clause(prompt: str, number: int) -> str:
    """Clause [number] of the last (real) clause block of the prompt, without its document name."""
    block = prompt.rsplit("条款：", 1)[-1]
    line = re.search(rf"^\[{number}\] (.+)$", block, re.M)
    assert line, prompt
    return re.sub(r"^《[^》]*》", "", line[1])


def copy_sentence_with_figure(prompt: str) -> str:
    """A faithful answer: the first sentence of clause [1] that states a figure, cited [1]."""
    clause = last_clause(prompt, 1)
    for sentence in re.split(r"(?<=[。；])", clause):
        if extract_figures(sentence):
            return sentence.rstrip("。；") + "[1]。"
    return clause[:40] + "[1]。"


def service(search, generator, **overrides) -> AnswerService:
    return AnswerService(search, generator, Settings(**overrides))


def test_verified_generated_answer_is_returned_with_its_citation(seed_search_service) -> None:
    generator = ScriptedGenerator(copy_sentence_with_figure)
    result = service(seed_search_service, generator).ask(AskRequest(TECH_RENOVATION, mode="generative"))
    assert result.mode_used == "generative" and not result.refused
    assert result.model == "scripted.gguf" and len(generator.prompts) == 1
    assert [c.marker for c in result.citations] == [1]
    clause = result.citations[0].hit.chunk.text
    assert result.citations[0].quote in clause
    for figure in extract_figures(result.answer):
        assert figure_supported(figure, [clause])
    assert set(result.timings_ms) == {"retrieve", "generate", "total"}


def test_unsupported_figure_falls_back_to_verbatim_quotes(seed_search_service) -> None:
    generator = ScriptedGenerator(lambda prompt: "单个项目最高补助9999万元[1]。")
    result = service(seed_search_service, generator).ask(AskRequest(TECH_RENOVATION))
    assert result.mode_used == "extractive"
    assert "9999" not in result.answer
    assert result.removed and result.removed[0].reason == "unsupported_figure"
    for citation in result.citations:
        assert citation.quote in citation.hit.chunk.text
        assert citation.quote in result.answer  # extractive answers quote verbatim


def test_auto_prefers_quotes_to_a_verified_answer_that_says_less(seed_search_service) -> None:
    def heading_only(prompt: str) -> str:
        return last_clause(prompt, 1)[:6] + "[1]。" + last_clause(prompt, 1)[:6] + "[1]。"

    generator = ScriptedGenerator(heading_only)
    events = list(service(seed_search_service, generator).stream(AskRequest(TECH_RENOVATION)))
    result = events[-1].result
    assert result.mode_used == "extractive" and result.model == "scripted.gguf"
    assert [event.kind for event in events][:2] == ["token", "replace"]  # one sentence: the repeat is dropped
    generative = service(seed_search_service, generator).ask(AskRequest(TECH_RENOVATION, mode="generative"))
    assert generative.mode_used == "generative"  # generative mode keeps what verified


def test_an_echoed_question_is_not_an_answer(seed_search_service) -> None:
    generator = ScriptedGenerator(lambda prompt: f"[1] {TECH_RENOVATION}")
    result = service(seed_search_service, generator).ask(AskRequest(TECH_RENOVATION, mode="generative"))
    assert result.mode_used == "extractive" and TECH_RENOVATION not in result.answer


def test_out_of_range_markers_are_dropped(seed_search_service) -> None:
    generator = ScriptedGenerator(lambda prompt: copy_sentence_with_figure(prompt).replace("[1]", "[1][9]"))
    result = service(seed_search_service, generator).ask(AskRequest(TECH_RENOVATION, mode="generative"))
    assert result.mode_used == "generative"
    assert "[9]" not in result.answer
    assert [c.marker for c in result.citations] == [1]


def test_refusal_never_calls_the_llm(seed_search_service) -> None:
    generator = ScriptedGenerator(lambda prompt: pytest.fail("the LLM was called for a refusal"))
    for mode in ("auto", "generative"):
        result = service(seed_search_service, generator).ask(AskRequest(OFF_TOPIC, mode=mode))
        assert result.refused and result.mode_used == "refusal"
        assert result.citations == [] and result.related  # nearest clauses, never sources
        assert result.answer == "文件中没有找到相关规定。"
        assert result.model == ""
    assert generator.prompts == []


def test_traditional_question_gets_a_traditional_refusal(seed_search_service) -> None:
    result = service(seed_search_service, None).ask(AskRequest("今天天氣怎麼樣？"))
    assert result.refused and result.answer == "文件中沒有找到相關規定。"


def test_english_question_is_refused_in_english(seed_search_service) -> None:
    result = service(seed_search_service, None).ask(AskRequest("What is the capital of France?"))
    assert result.refused and result.lang == "en"
    assert result.answer.startswith("The documents do not")


def test_extractive_mode_does_not_call_the_llm(seed_search_service) -> None:
    generator = ScriptedGenerator(lambda prompt: pytest.fail("extractive mode called the LLM"))
    result = service(seed_search_service, generator).ask(AskRequest(TECH_RENOVATION, mode="extractive"))
    assert result.mode_used == "extractive" and result.citations
    assert re.search(r"\[\d\]", result.answer)


def test_stream_order_token_citations_done(seed_search_service) -> None:
    generator = ScriptedGenerator(copy_sentence_with_figure)
    events = list(
        service(seed_search_service, generator).stream(AskRequest(TECH_RENOVATION, mode="generative"))
    )
    kinds = [event.kind for event in events]
    assert kinds[-2:] == ["citations", "done"] and set(kinds[:-2]) == {"token"}
    assert "".join(event.text for event in events[:-2]) == events[-1].result.answer


def test_fallback_after_streamed_sentences_replaces_them(seed_search_service) -> None:
    def good_then_bad(prompt: str) -> str:
        return copy_sentence_with_figure(prompt) + "另外补助9999万元[1]。"

    events = list(
        service(seed_search_service, ScriptedGenerator(good_then_bad)).stream(AskRequest(TECH_RENOVATION))
    )
    kinds = [event.kind for event in events]
    assert kinds.index("token") < kinds.index("replace") < kinds.index("citations")
    replace = next(event for event in events if event.kind == "replace")
    assert replace.text == events[-1].result.answer and "9999" not in replace.text


def test_generative_mode_without_a_model_is_an_error_and_auto_falls_back(seed_search_service) -> None:
    missing = ScriptedGenerator(lambda prompt: "", available=False)
    with pytest.raises(GenerationUnavailableError):
        service(seed_search_service, missing).ask(AskRequest(TECH_RENOVATION, mode="generative"))
    result = service(seed_search_service, missing).ask(AskRequest(TECH_RENOVATION))
    assert result.mode_used == "extractive" and result.model == ""


@pytest.mark.parametrize("question", ["", "   ", "补" * 1001])
def test_empty_and_huge_questions_are_clear_errors(seed_search_service, question: str) -> None:
    with pytest.raises(InvalidQueryError):
        service(seed_search_service, None).ask(AskRequest(question))


def test_unknown_document_is_a_clear_error(seed_search_service) -> None:
    with pytest.raises(UnknownDocumentError):
        service(seed_search_service, None).ask(AskRequest(TECH_RENOVATION, doc_ids=["no-such-doc"]))


def test_follow_up_is_rewritten_before_retrieval(seed_search_service) -> None:
    from qa_service.answering.followup import Turn

    history = [Turn("user", TECH_RENOVATION), Turn("assistant", "…")]
    result = service(seed_search_service, None).ask(
        AskRequest("那数字化转型呢？", history=history, mode="extractive")
    )
    assert result.query != "那数字化转型呢？" and "数字化转型" in result.query
    assert any("数字化" in hit.chunk.text for hit in result.related[:3])
