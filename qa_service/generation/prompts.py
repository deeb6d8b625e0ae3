"""Prompt templates are files shipped in the package (`qa_service/prompts/`); code only fills them in.

They are read with importlib.resources, so an installed service finds them from any working folder;
`QA_PROMPTS_DIR` points at a folder of edited copies instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from string import Template

from qa_service.core.errors import PromptNotFoundError

PACKAGE_PROMPTS = "prompts"
# Every template the service needs to answer; /ready checks they can all be read.
REQUIRED_PROMPTS = ("answer_zh", "answer_en", "refusal_zh", "refusal_en")


def _read(prompts_dir: Path | None, name: str) -> str:
    filename = f"{name}.txt"
    if prompts_dir is not None:
        path = Path(prompts_dir) / filename
        if not path.is_file():
            raise PromptNotFoundError(f"prompt template {path} is missing (QA_PROMPTS_DIR={prompts_dir})")
        return path.read_text(encoding="utf-8")
    resource = resources.files("qa_service").joinpath(PACKAGE_PROMPTS, filename)
    if not resource.is_file():
        raise PromptNotFoundError(f"prompt template {filename} is missing from the installed package")
    return resource.read_text(encoding="utf-8")


def load_template(prompts_dir: Path | None, name: str) -> Template:
    """`prompts_dir` None: the copy shipped in the package."""
    return Template(_read(prompts_dir, name))


def check_prompts(prompts_dir: Path | None) -> list[str]:
    """The problems that stop answering (missing or unreadable templates); empty when all is well."""
    problems = []
    for name in REQUIRED_PROMPTS:
        try:
            _read(prompts_dir, name)
        except (PromptNotFoundError, OSError, UnicodeDecodeError) as error:
            problems.append(str(error))
    return problems


# Clause text is quoted between these marks, as the templates' few-shot examples show: what is inside
# is policy text to answer from, never instructions to the model (the templates say so). A mark inside
# a clause becomes its double-bracket twin, so a clause cannot close its own quotation early.
QUOTE_OPEN, QUOTE_CLOSE = "「", "」"
_QUOTE_MARKS = str.maketrans({QUOTE_OPEN: "『", QUOTE_CLOSE: "』"})


def quote_clause(clause: str) -> str:
    """「clause」 on one line: its own line breaks folded, its own 「」 made 『』."""
    return f"{QUOTE_OPEN}{' '.join(clause.translate(_QUOTE_MARKS).split())}{QUOTE_CLOSE}"


def number_clauses(clauses: Sequence[str]) -> str:
    """ "[1] 「…」" lines, one per clause. Callers mask sentences that address the model first
    (answering/injection.py); the quotation marks tell the model the rest is data."""
    return "\n".join(f"[{index}] {quote_clause(clause)}" for index, clause in enumerate(clauses, start=1))


def render_answer_prompt(prompts_dir: Path | None, lang: str, question: str, clauses: Sequence[str]) -> str:
    template = load_template(prompts_dir, f"answer_{'en' if lang == 'en' else 'zh'}")
    # No trailing newline: the few-shot answers follow "回答：" on the same line, and a model that starts
    # on a new line writes a clause list ("[1] 《…》…"), not an answer.
    prompt = template.substitute(clauses=number_clauses(clauses), question=" ".join(question.split()))
    return prompt.rstrip()
