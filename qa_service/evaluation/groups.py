"""The groups an item's scores are averaged under, decided in one place so the run summary, the
report tables and the retrieval-only view slice the same way."""

from __future__ import annotations

from qa_service.evaluation.dataset import EvalItem

OVERALL = "all"
FOLLOWUP = "followup"


def item_groups(item: EvalItem, split: str | None = None) -> list[str]:
    """All items, then the question type, `lang:xx`, `split:<file stem>` and `followup` for an item
    asked after earlier turns (its retrieval depends on the follow-up rewrite)."""
    groups = [OVERALL, item.type, f"lang:{item.lang}"]
    if split is not None:
        groups.append(f"split:{split}")
    if item.history:
        groups.append(FOLLOWUP)
    return groups


def is_type_group(group: str) -> bool:
    """A question type (factoid, numeric, …), not a language, split or the follow-up group."""
    return group != OVERALL and group != FOLLOWUP and ":" not in group


__all__ = ["FOLLOWUP", "OVERALL", "is_type_group", "item_groups"]
