"""The LLM citation judge: one verdict per (sentence, cited clause), compared with the string rules."""

from __future__ import annotations

from collections.abc import Iterator

from qa_service.evaluation.judge import CitationJudge, judge_row, judge_summary

PROMPTS = None  # the templates shipped in the package


class AnswersFromClause:
    """Says 是 when the sentence is copied from the clause in its prompt (a stand-in for the LLM)."""

    name = "rule.gguf"

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def load(self) -> None:
        pass

    def complete(self, prompt: str, *, max_tokens: int, stop: list[str]) -> str:
        self.prompts.append(prompt)
        clause = prompt.rsplit("条款：", 1)[1].split("\n", 1)[0]
        sentence = prompt.rsplit("句子：", 1)[1].split("\n", 1)[0]
        return "是" if sentence in clause else "否"

    def stream(self, prompt: str, *, max_tokens: int, stop: list[str]) -> Iterator[str]:
        yield self.complete(prompt, max_tokens=max_tokens, stop=stop)


def test_each_cited_pair_gets_a_verdict_beside_the_string_rule() -> None:
    generator = AnswersFromClause()
    judge = CitationJudge(generator, PROMPTS)
    row = {
        "answer": "单个项目最高补助400万元[1]。每年安排1亿元[2]。",
        "citations": [
            {"marker": 1, "text": "(二)对优质项目，单个项目最高补助400万元。"},
            {"marker": 2, "text": "(七)加快设立柳州工业贷。"},
        ],
        "gold_quotes": ["单个项目最高补助400万元"],
    }
    verdicts = judge_row(judge, row)
    assert [(v["marker"], v["judge"], v["string_rule"]) for v in verdicts] == [
        (1, True, True),
        (2, False, False),
    ]
    assert len(generator.prompts) == 2 and "条款：(二)对优质项目" in generator.prompts[0]
    summary = judge_summary([*verdicts, {"marker": 3, "judge": True, "string_rule": False}])
    assert summary == {"pairs": 3, "judge_support": 2 / 3, "agreement_with_string_rules": 2 / 3}
    assert judge_summary([])["pairs"] == 0
