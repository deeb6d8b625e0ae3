"""Citation judge beyond string matching (`qa eval run --judge nli`): ALCE-style, it asks whether each
cited clause supports the answer sentence that cites it, using the local LLM — the only model here
that reads both texts together (no NLI model can be installed offline). Its agreement with the string
rules is reported, so a maintainer can see how far to trust it before relying on it for paraphrases."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa_service.answering.citations import parse_citations, split_sentences, strip_citations
from qa_service.evaluation.scoring import covers
from qa_service.generation.llm import Generator
from qa_service.generation.prompts import load_template

_YES = ("是", "yes", "Yes")


class CitationJudge:
    def __init__(self, generator: Generator, prompts_dir: Path | None) -> None:
        self._generator = generator
        self._template = load_template(prompts_dir, "judge_zh")

    def supports(self, sentence: str, clause: str) -> bool:
        # No trailing newline: the model must continue right after "支持：" with its verdict.
        prompt = self._template.substitute(clause=" ".join(clause.split()), sentence=sentence).rstrip()
        verdict = self._generator.complete(prompt, max_tokens=2, stop=["\n"]).strip()
        return verdict.startswith(_YES)


def judge_row(judge: CitationJudge, row: dict[str, Any]) -> list[dict[str, Any]]:
    """One verdict per (sentence, cited clause) of an answered row, beside the string rule's verdict
    (does the clause cover a gold quote?)."""
    clauses = {citation["marker"]: citation["text"] for citation in row["citations"]}
    verdicts = []
    for sentence in split_sentences(row["answer"]):
        body = strip_citations(sentence)
        for marker in parse_citations(sentence):
            if marker in clauses and body:
                verdicts.append(
                    {
                        "marker": marker,
                        "judge": judge.supports(body, clauses[marker]),
                        "string_rule": any(covers(clauses[marker], quote) for quote in row["gold_quotes"]),
                    }
                )
    return verdicts


def judge_summary(verdicts: Sequence[dict[str, Any]]) -> dict[str, float | int]:
    if not verdicts:
        return {"pairs": 0, "judge_support": 0.0, "agreement_with_string_rules": 0.0}
    return {
        "pairs": len(verdicts),
        "judge_support": sum(v["judge"] for v in verdicts) / len(verdicts),
        "agreement_with_string_rules": sum(v["judge"] == v["string_rule"] for v in verdicts) / len(verdicts),
    }


__all__ = ["CitationJudge", "judge_row", "judge_summary"]
