"""`qa eval compare`: the same questions, extractive answers and scoring (the one runner) over several
retrieval configurations, in one table of differences from the first — what clause-aware chunking and
hybrid retrieval buy over the baselines."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from qa_service.core.config import Settings
from qa_service.evaluation.dataset import Split
from qa_service.evaluation.plots import metric_by_type
from qa_service.evaluation.report import images
from qa_service.evaluation.retrieval import Searcher
from qa_service.evaluation.run import evaluate
from qa_service.services.answer import AnswerService

COMPARED_METRICS = (
    "recall@5",
    "mrr",
    "citation_precision",
    "citation_recall",
    "key_fact_accuracy",
    "key_fact_first_sentence",
    "refusal_on_unanswerable",
    "false_refusal",
)


def compare_configs(
    splits: Sequence[Split], searches: Mapping[str, Searcher], settings: Settings, out: Path
) -> dict[str, dict[str, Any]]:
    """Each configuration's summary (extractive answers over its retrieval, no LLM); the first is the
    reference the others are compared with. Writes compare.json, compare.md and compare.png."""
    summaries = {
        name: evaluate(splits, AnswerService(search, None, settings), search, "extractive").summary  # type: ignore[arg-type]
        for name, search in searches.items()
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.json").write_text(json.dumps(summaries, ensure_ascii=False, indent=2), encoding="utf-8")
    figure = metric_by_type(
        summaries, ("recall@5", "citation_precision", "key_fact_accuracy"), out / "compare.png"
    )
    (out / "compare.md").write_text(
        render_comparison(summaries, [figure] if figure else []), encoding="utf-8"
    )
    return summaries


def render_comparison(summaries: Mapping[str, Mapping[str, Any]], figures: Sequence[Path] = ()) -> str:
    names = list(summaries)
    reference = summaries[names[0]]["overall"]
    lines = [
        "| configuration | " + " | ".join(COMPARED_METRICS) + " |",
        "|---|" + "---|" * len(COMPARED_METRICS),
    ]
    for name in names:
        overall = summaries[name]["overall"]
        cells = []
        for metric in COMPARED_METRICS:
            value = overall.get(metric)
            if value is None:
                cells.append("-")
            elif name == names[0]:
                cells.append(f"{value:.3f}")
            else:
                cells.append(f"{value:.3f} ({value - reference.get(metric, 0.0):+.3f})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return (
        f"# Comparison on {summaries[names[0]]['dataset']}\n\nExtractive answers over each retrieval; "
        f"in brackets, the difference from {names[0]}.\n\n" + "\n".join(lines) + "\n\n" + images(figures)
    )


__all__ = ["COMPARED_METRICS", "compare_configs", "render_comparison"]
