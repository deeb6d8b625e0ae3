"""summary.json: each group's count, metric means and answer-length medians, computed from the result
rows alone, so a summary can be recomputed (and checked) from results.jsonl."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from qa_service.core.stats import latency_summary, percentile
from qa_service.evaluation.answers import MEAN_METRICS, ResultRow
from qa_service.evaluation.dataset import Split
from qa_service.evaluation.groups import OVERALL
from qa_service.evaluation.scoring import group_mean

SHORT_ANSWER_TYPES = ("factoid", "numeric")  # a one-figure question deserves a short answer
MEDIAN_CHARS = "median_answer_chars"
MEDIAN_CHARS_SHORT = "median_answer_chars_factoid_numeric"


def _median_chars(rows: Iterable[ResultRow]) -> float | None:
    lengths = [row.scores.answer_chars for row in rows if row.scores.answer_chars is not None]
    return percentile(lengths, 50) if lengths else None


def group_values(rows: Sequence[ResultRow]) -> dict[str, dict[str, Any]]:
    """Group → {"n", each metric's mean over the rows it applies to, median answer lengths}; a metric
    no row of a group has is left out."""
    members: dict[str, list[ResultRow]] = {}
    flat = []
    for row in rows:
        metrics = row.metrics()
        for group in row.groups:
            members.setdefault(group, []).append(row)
            flat.append({"_group": group, **metrics})
    means = group_mean(flat, "_group", MEAN_METRICS)
    values: dict[str, dict[str, Any]] = {}
    for group, group_rows in members.items():
        values[group] = {"n": len(group_rows), **means.get(group, {})}
        for name, subset in (
            (MEDIAN_CHARS, group_rows),
            (MEDIAN_CHARS_SHORT, [row for row in group_rows if row.type in SHORT_ANSWER_TYPES]),
        ):
            if (median := _median_chars(subset)) is not None:
                values[group][name] = median
    return values


def summarise(
    splits: Sequence[Split], mode: str, rows: Sequence[ResultRow], seconds: float
) -> dict[str, Any]:
    groups = group_values(rows)
    overall = groups.pop(OVERALL, {"n": 0})
    return {
        "dataset": " ".join(str(split.path) for split in splits),
        "splits": {split.name: {"path": str(split.path), "questions": len(split.items)} for split in splits},
        "mode": mode,
        "questions": len(rows),
        "seconds": round(seconds, 1),
        "latency_ms": latency_summary([row.timings_ms.get("total", 0.0) for row in rows]),
        "overall": overall,
        "groups": groups,
    }


__all__ = ["MEDIAN_CHARS", "MEDIAN_CHARS_SHORT", "group_values", "summarise"]
