"""Report figures (matplotlib, PNG): a metric per question type for each configuration, and the latency
distribution. Optional: without matplotlib (the `eval` extra) the reports are written without them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa_service.evaluation.groups import is_type_group


def _pyplot() -> Any | None:
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only; CI and servers have no display
        import matplotlib.pyplot as pyplot
    except ImportError:
        return None
    return pyplot


def metric_by_type(summaries: dict[str, dict[str, Any]], metrics: Sequence[str], path: Path) -> Path | None:
    """One panel per metric: a bar per question type and configuration."""
    pyplot = _pyplot()
    if pyplot is None:
        return None
    names = list(summaries)
    types = sorted(
        {group for summary in summaries.values() for group in summary["groups"] if is_type_group(group)}
    )
    figure, axes = pyplot.subplots(len(metrics), 1, figsize=(max(8, len(types) * 1.1), 2.6 * len(metrics)))
    axes = [axes] if len(metrics) == 1 else list(axes)
    width = 0.8 / len(names)
    for axis, metric in zip(axes, metrics, strict=True):
        for index, name in enumerate(names):
            groups = summaries[name]["groups"]
            values = [groups.get(kind, {}).get(metric, float("nan")) for kind in types]
            axis.bar([x + index * width for x in range(len(types))], values, width, label=name)
        axis.set_title(metric)
        axis.set_ylim(0, 1.05)
        axis.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(types))], types, fontsize=8)
    axes[0].legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    pyplot.close(figure)
    return path


def latency_histogram(latencies_ms: Sequence[float], path: Path) -> Path | None:
    pyplot = _pyplot()
    if pyplot is None or not latencies_ms:
        return None
    figure, axis = pyplot.subplots(figsize=(6, 3))
    axis.hist(latencies_ms, bins=30)
    axis.set_xlabel("/ask latency (ms)")
    axis.set_ylabel("questions")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    pyplot.close(figure)
    return path


__all__ = ["latency_histogram", "metric_by_type"]
