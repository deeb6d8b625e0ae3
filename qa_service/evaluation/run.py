"""The one eval runner (`qa eval run`, and the views and comparison built on it): every gold item of
every split through the /ask pipeline, its retrieval scored on the standalone query /ask used, then
results.jsonl, summary.json, figures and report.md.

Retrieval is scored on `AnswerResult.query`, not the raw question: for a follow-up ("那数字化转型呢？")
the raw text retrieves nothing useful, and what matters is whether the query the pipeline really
searched with found the evidence.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa_service.evaluation.answers import ANSWER_METRICS, Asker, ResultRow, ask_item, result_row
from qa_service.evaluation.dataset import EvalItem, Split
from qa_service.evaluation.judge import CitationJudge, judge_row, judge_summary
from qa_service.evaluation.plots import latency_histogram, metric_by_type
from qa_service.evaluation.report import render_report
from qa_service.evaluation.retrieval import Searcher, score_retrieval
from qa_service.evaluation.summary import summarise
from qa_service.services.answer import AnswerMode


@dataclass
class EvalRun:
    """One mode's run: the typed rows and their summary (what summary.json holds)."""

    mode: AnswerMode
    splits: list[Split]
    rows: list[ResultRow]
    summary: dict[str, Any]

    @property
    def gold(self) -> dict[tuple[str, str], EvalItem]:
        return {(split.name, item.id): item for split in self.splits for item in split.items}


def _judge(judge: CitationJudge, rows: Sequence[ResultRow], gold: dict[tuple[str, str], EvalItem]) -> dict:
    verdicts = []
    for row in rows:
        if row.answerable and not row.refused:
            quotes = [evidence.quote for evidence in gold[(row.split, row.id)].evidence]
            row.judge = judge_row(judge, {**row.to_dict(), "gold_quotes": quotes})
            verdicts.extend(row.judge)
    return judge_summary(verdicts)


def evaluate(
    splits: Sequence[Split],
    service: Asker,
    search: Searcher,
    mode: AnswerMode,
    *,
    top_k: int | None = None,
    progress: Callable[[EvalItem], None] | None = None,
    judge: CitationJudge | None = None,
) -> EvalRun:
    """Asks and scores every item; writes nothing (the CLI views print from this)."""
    started = time.perf_counter()
    rows = []
    for split in splits:
        for item in split.items:
            result = ask_item(item, service, mode, top_k=top_k)
            rows.append(result_row(item, result, split.name, score_retrieval(item, result.query, search)))
            if progress is not None:
                progress(item)
    run = EvalRun(mode, list(splits), rows, {})
    judged = _judge(judge, rows, run.gold) if judge is not None else None
    run.summary = summarise(splits, mode, rows, time.perf_counter() - started)
    if judged is not None:
        run.summary["judge"] = judged
    return run


def write_run(run: EvalRun, out: Path) -> None:
    """results.jsonl (one `ResultRow.to_dict()` a line), summary.json, the figures and report.md."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "results.jsonl").open("w", encoding="utf-8") as results:
        for row in run.rows:
            results.write(json.dumps(row.to_dict(), ensure_ascii=False) + "\n")
    (out / "summary.json").write_text(json.dumps(run.summary, ensure_ascii=False, indent=2), encoding="utf-8")
    latencies = [row.timings_ms.get("total", 0.0) for row in run.rows]
    figures = [
        figure
        for figure in (
            metric_by_type({run.mode: run.summary}, ANSWER_METRICS[:3], out / "metrics_by_type.png"),
            latency_histogram(latencies, out / "latency.png"),
        )
        if figure is not None
    ]
    (out / "report.md").write_text(render_report(run.summary, run.rows, run.gold, figures), encoding="utf-8")


def run_eval(
    splits: Sequence[Split],
    service: Asker,
    search: Searcher,
    mode: AnswerMode,
    out: Path,
    *,
    top_k: int | None = None,
    progress: Callable[[EvalItem], None] | None = None,
    judge: CitationJudge | None = None,
) -> dict[str, Any]:
    """`qa eval run`: evaluate, write everything under `out`, return the summary."""
    run = evaluate(splits, service, search, mode, top_k=top_k, progress=progress, judge=judge)
    write_run(run, out)
    return run.summary


__all__ = ["EvalRun", "evaluate", "run_eval", "write_run"]
