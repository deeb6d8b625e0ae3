"""`qa eval gate`: a run's overall metrics against the bounds in eval/thresholds.toml, so CI fails on
a regression instead of a maintainer having to notice it in a report."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa_service.evaluation.answers import MEAN_METRICS
from qa_service.evaluation.summary import MEDIAN_CHARS, MEDIAN_CHARS_SHORT

# Every name a threshold may use: the per-item means and the answer-length medians of summary.json.
GATE_METRICS = (*MEAN_METRICS, MEDIAN_CHARS, MEDIAN_CHARS_SHORT)


@dataclass(frozen=True)
class GateFailure:
    metric: str
    value: float | None
    bound: str


def check_gate(summary: dict[str, Any], thresholds_file: Path) -> list[GateFailure]:
    """Each `[min]` metric must be at least, each `[max]` metric at most, its threshold (overall). A
    metric missing from the run fails (a gate that silently passes is worse than none), and so does a
    name outside GATE_METRICS (a typo would otherwise read as "missing" forever)."""
    thresholds = tomllib.loads(thresholds_file.read_text(encoding="utf-8"))
    overall = summary["overall"]
    failures = []
    for table, passes, sign in (("min", float.__ge__, ">="), ("max", float.__le__, "<=")):
        for metric, bound in thresholds.get(table, {}).items():
            if metric not in GATE_METRICS:
                failures.append(GateFailure(metric, None, f"a known metric ({', '.join(GATE_METRICS)})"))
                continue
            value = overall.get(metric)
            if value is None or not passes(float(value), float(bound)):
                failures.append(GateFailure(metric, value, f"{sign} {bound}"))
    return failures


__all__ = ["GATE_METRICS", "GateFailure", "check_gate"]
