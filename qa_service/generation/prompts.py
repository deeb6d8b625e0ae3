"""Prompt templates live as files in `prompts/` (QA_PROMPTS_DIR); code only fills them in."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from string import Template


class PromptNotFoundError(FileNotFoundError):
    pass


def load_template(prompts_dir: Path, name: str) -> Template:
    path = prompts_dir / f"{name}.txt"
    if not path.is_file():
        raise PromptNotFoundError(f"prompt template {path} is missing (QA_PROMPTS_DIR={prompts_dir})")
    return Template(path.read_text(encoding="utf-8"))


def number_clauses(clauses: Sequence[str]) -> str:
    """ "[1] …" lines; a clause's own line breaks are folded so each number heads one line."""
    return "\n".join(f"[{index}] {' '.join(clause.split())}" for index, clause in enumerate(clauses, start=1))


def render_answer_prompt(prompts_dir: Path, lang: str, question: str, clauses: Sequence[str]) -> str:
    template = load_template(prompts_dir, f"answer_{'en' if lang == 'en' else 'zh'}")
    # No trailing newline: the few-shot answers follow "回答：" on the same line, and a model that starts
    # on a new line writes a clause list ("[1] 《…》…"), not an answer.
    prompt = template.substitute(clauses=number_clauses(clauses), question=" ".join(question.split()))
    return prompt.rstrip()
