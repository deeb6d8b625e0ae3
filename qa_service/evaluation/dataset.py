"""Gold question files (jsonl, one item a line), validated with the line number in every error.

Schema (eval README, "Item fields"): `id`, `lang`, `question`, `question_script`, `type`, `answerable`,
`answer`, `key_facts`, `evidence` are required; `key_facts_alt`, `doc_keys`, `forbidden` (strings
no answer may contain) and `history` (the conversation a follow-up question continues: a list of
`{"role": "user"|"assistant", "content": str}`) are optional. In every
evidence entry `quote` is required and non-empty; `seed_file`, `doc_key` and `clause` are strings that
default to "" when absent (a document outside the seed pages may name its source differently).
Unknown fields are ignored.

A run may take several gold files at once (`load_splits`): each file's stem names its split (dev,
test, …), so one report can show how far the dev-set numbers carry over to held-out questions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa_service.answering.followup import Turn
from qa_service.core.errors import DatasetError


@dataclass(frozen=True)
class Evidence:
    seed_file: str
    doc_key: str
    quote: str
    clause: str


@dataclass(frozen=True)
class EvalItem:
    id: str
    lang: str
    question: str
    question_script: str
    type: str
    answerable: bool
    answer: str
    key_facts: list[str]
    evidence: list[Evidence]
    # Positionally paired with key_facts in the gold files (None where a fact has no other form);
    # scoring also copes with an unpaired list.
    key_facts_alt: list[str | None] = field(default_factory=list)
    doc_keys: list[str] = field(default_factory=list)
    # Strings no answer may contain (a figure planted in the corpus by an injection test).
    forbidden: list[str] = field(default_factory=list)
    # The turns before a follow-up question ("那数字化转型呢？"), passed to /ask as `history`.
    history: list[Turn] = field(default_factory=list)


@dataclass(frozen=True)
class Split:
    """One gold file of a run; its stem (dev, test, …) names the split its rows are grouped under."""

    name: str
    path: Path
    items: list[EvalItem]


_ROLES = ("user", "assistant")
_REQUIRED_STR = ("id", "lang", "question", "question_script", "type", "answer")
_EVIDENCE_STR = ("seed_file", "doc_key", "clause")


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _string_list(raw: dict[str, Any], name: str, *, required: bool, allow_null: bool = False) -> list:
    if name not in raw:
        if required:
            raise DatasetError(f"missing field '{name}'")
        return []
    value = raw[name]
    if value is None and not required:
        return []
    allowed: tuple[type, ...] = (str, type(None)) if allow_null else (str,)
    if not isinstance(value, list):
        raise DatasetError(f"field '{name}' must be a list, got {_type_name(value)}")
    for position, entry in enumerate(value):
        if not isinstance(entry, allowed):
            kind = "a string or null" if allow_null else "a string"
            raise DatasetError(f"field '{name}'[{position}] must be {kind}, got {_type_name(entry)}")
    return list(value)


def _evidence(raw: dict[str, Any]) -> list[Evidence]:
    if "evidence" not in raw:
        raise DatasetError("missing field 'evidence'")
    value = raw["evidence"]
    if not isinstance(value, list):
        raise DatasetError(f"field 'evidence' must be a list, got {_type_name(value)}")
    evidence = []
    for position, entry in enumerate(value):
        where = f"evidence[{position}]"
        if not isinstance(entry, dict):
            raise DatasetError(f"{where} must be an object, got {_type_name(entry)}")
        if "quote" not in entry:
            raise DatasetError(f"{where}: missing field 'quote'")
        if not isinstance(entry["quote"], str):
            raise DatasetError(f"{where}: field 'quote' must be str, got {_type_name(entry['quote'])}")
        if not entry["quote"].strip():
            raise DatasetError(f"{where}: empty 'quote'")
        for name in _EVIDENCE_STR:
            if name in entry and not isinstance(entry[name], str):
                raise DatasetError(f"{where}: field '{name}' must be str, got {_type_name(entry[name])}")
        evidence.append(
            Evidence(
                seed_file=entry.get("seed_file", ""),
                doc_key=entry.get("doc_key", ""),
                quote=entry["quote"],
                clause=entry.get("clause", ""),
            )
        )
    return evidence


def _history(raw: dict[str, Any]) -> list[Turn]:
    value = raw.get("history")
    if value is None:
        return []
    if not isinstance(value, list):
        raise DatasetError(f"field 'history' must be a list, got {_type_name(value)}")
    turns = []
    for position, entry in enumerate(value):
        where = f"history[{position}]"
        if not isinstance(entry, dict):
            raise DatasetError(f"{where} must be an object, got {_type_name(entry)}")
        for name in ("role", "content"):
            if name not in entry:
                raise DatasetError(f"{where}: missing field '{name}'")
            if not isinstance(entry[name], str):
                raise DatasetError(f"{where}: field '{name}' must be str, got {_type_name(entry[name])}")
        if entry["role"] not in _ROLES:
            raise DatasetError(f"{where}: role must be user or assistant, got {entry['role']!r}")
        turns.append(Turn(entry["role"], entry["content"]))
    return turns


def parse_item(raw: Any) -> EvalItem:
    """One decoded jsonl line as an item; raises DatasetError (without a line number) when malformed."""
    if not isinstance(raw, dict):
        raise DatasetError(f"expected a JSON object, got {_type_name(raw)}")
    for name in (*_REQUIRED_STR, "answerable"):
        if name not in raw:
            raise DatasetError(f"missing field '{name}'")
    for name in _REQUIRED_STR:
        if not isinstance(raw[name], str):
            raise DatasetError(f"field '{name}' must be str, got {_type_name(raw[name])}")
    if not isinstance(raw["answerable"], bool):
        raise DatasetError(f"field 'answerable' must be bool, got {_type_name(raw['answerable'])}")
    if not raw["id"].strip():
        raise DatasetError("empty 'id'")
    if not raw["question"].strip():
        raise DatasetError("empty 'question'")
    return EvalItem(
        id=raw["id"],
        lang=raw["lang"],
        question=raw["question"],
        question_script=raw["question_script"],
        type=raw["type"],
        answerable=raw["answerable"],
        answer=raw["answer"],
        key_facts=_string_list(raw, "key_facts", required=True),
        evidence=_evidence(raw),
        key_facts_alt=_string_list(raw, "key_facts_alt", required=False, allow_null=True),
        doc_keys=_string_list(raw, "doc_keys", required=False),
        forbidden=_string_list(raw, "forbidden", required=False),
        history=_history(raw),
    )


def load_dataset(path: Path) -> list[EvalItem]:
    """Items of a jsonl gold file in file order. Blank lines are skipped; the first malformed line
    (bad JSON, missing required field, wrong type, duplicate id) raises DatasetError as
    `path:line: reason` with the 1-based line number."""
    items: list[EvalItem] = []
    seen: dict[str, int] = {}
    with Path(path).open(encoding="utf-8-sig") as handle:  # a leading BOM is not an error
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = parse_item(json.loads(line))
            except json.JSONDecodeError as error:
                raise DatasetError(f"{path}:{number}: invalid JSON ({error.msg})") from error
            except DatasetError as error:
                raise DatasetError(f"{path}:{number}: {error}") from error
            if item.id in seen:
                raise DatasetError(
                    f"{path}:{number}: duplicate id '{item.id}' (first on line {seen[item.id]})"
                )
            seen[item.id] = number
            items.append(item)
    return items


def load_splits(paths: Sequence[Path]) -> list[Split]:
    """One split per gold file, named by its stem; two files with the same stem would merge two
    splits under one name, so they raise DatasetError."""
    splits: list[Split] = []
    for path in paths:
        path = Path(path)
        if any(split.name == path.stem for split in splits):
            raise DatasetError(f"{path}: another gold file of this run is also named '{path.stem}'")
        splits.append(Split(path.stem, path, load_dataset(path)))
    return splits
