"""`qa eval run`: one dataset through the /ask pipeline, written out as results.jsonl, summary.json and
report.md; `qa eval gate` checks a summary against thresholds kept in eval/thresholds.toml."""

from __future__ import annotations

import json
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa_service.core.stats import latency_summary
from qa_service.evaluation.dataset import EvalItem
from qa_service.evaluation.judge import CitationJudge, judge_row, judge_summary
from qa_service.evaluation.plots import latency_histogram, metric_by_type
from qa_service.evaluation.scoring import RetrievalCase, forbidden_found, group_mean, retrieval_metrics
from qa_service.services.answer import AnswerMode, AnswerService
from qa_service.services.answer_eval import ANSWER_METRICS, OVERALL, AnswerEvalReport, evaluate_answers
from qa_service.services.search import SearchService

RETRIEVAL_DEPTH = 10
FORBIDDEN_METRIC = "forbidden_in_answer"  # share of answers stating a string their item forbids
WORST_ITEMS = 15


def _retrieval(items: Sequence[EvalItem], search: SearchService) -> dict[str, dict[str, float]]:
    cases: dict[str, list[RetrievalCase]] = {OVERALL: []}
    for item in items:
        if not item.answerable or not item.evidence:
            continue
        passages = [hit.chunk.text for hit in search.search(item.question, top_k=RETRIEVAL_DEPTH)]
        case = RetrievalCase(quotes=[evidence.quote for evidence in item.evidence], passages=passages)
        for group in (OVERALL, item.type, f"lang:{item.lang}"):
            cases.setdefault(group, []).append(case)
    return {group: retrieval_metrics(group_cases) for group, group_cases in cases.items()}


def summarise(
    dataset: Path, report: AnswerEvalReport, retrieval: dict[str, dict[str, float]], seconds: float
) -> dict[str, Any]:
    groups = {
        group: {"n": report.counts[group], **report.by_group.get(group, {}), **retrieval.get(group, {})}
        for group in report.counts
    }
    return {
        "dataset": str(dataset),
        "mode": report.mode,
        "questions": len(report.rows),
        "seconds": round(seconds, 1),
        "latency_ms": latency_summary(report.latencies_ms),
        "overall": groups[OVERALL],
        "groups": {group: values for group, values in groups.items() if group != OVERALL},
    }


def _score_forbidden(items: Sequence[EvalItem], report: AnswerEvalReport) -> None:
    """Adds `forbidden_found` and FORBIDDEN_METRIC to the rows of items that forbid strings, and the
    metric's mean to each group (overall, type, language); a dataset without `forbidden` is unchanged."""
    forbidden = {item.id: item.forbidden for item in items if item.forbidden}
    if not forbidden:
        return
    for row in report.rows:
        if row["id"] in forbidden:
            row["forbidden_found"] = forbidden_found(row["answer"], forbidden[row["id"]])
            row[FORBIDDEN_METRIC] = bool(row["forbidden_found"])
    grouped = [{**row, "_all": OVERALL, "_lang": f"lang:{row['lang']}"} for row in report.rows]
    for key in ("_all", "type", "_lang"):
        for group, means in group_mean(grouped, key, [FORBIDDEN_METRIC]).items():
            report.by_group.setdefault(group, {}).update(means)


def _failure(row: dict[str, Any]) -> str | None:
    if row.get("forbidden_found"):
        return f"stated a forbidden string ({', '.join(row['forbidden_found'])})"
    if row["answerable"] and row["refused"]:
        return "false refusal"
    if not row["answerable"] and not row["refused"]:
        return "answered an unanswerable question"
    if row["citation_recall"] is not None and row["citation_recall"] < 1:
        return "missed evidence" if row["citation_recall"] == 0 else "some evidence missed"
    if row["citation_precision"] is not None and row["citation_precision"] < 1:
        return "cited a clause without the evidence"
    if row["key_fact_accuracy"] is not None and row["key_fact_accuracy"] < 1:
        return "key fact missing"
    return None


def _severity(row: dict[str, Any]) -> float:
    if row.get("forbidden_found"):
        return -1.0  # an answer that obeyed an injected clause is the worst failure there is
    scores = [
        row[m] for m in ("citation_precision", "citation_recall", "key_fact_accuracy") if row[m] is not None
    ]
    return sum(scores) / len(scores) if scores else 0.0


def _images(figures: Sequence[Path]) -> str:
    return "".join(f"![{figure.stem}]({figure.name})\n\n" for figure in figures)


def render_report(
    summary: dict[str, Any],
    rows: Sequence[dict[str, Any]],
    gold: dict[str, EvalItem],
    figures: Sequence[Path] = (),
) -> str:
    metrics = ["recall@5", "mrr", *ANSWER_METRICS]
    if FORBIDDEN_METRIC in summary["overall"]:
        metrics.append(FORBIDDEN_METRIC)
    header = "| group | n | " + " | ".join(metrics) + " |\n|---|---|" + "---|" * len(metrics) + "\n"

    def line(group: str, values: dict[str, Any]) -> str:
        cells = [f"{values[m]:.3f}" if isinstance(values.get(m), float) else "-" for m in metrics]
        return f"| {group} | {values['n']} | " + " | ".join(cells) + " |\n"

    table = header + line(OVERALL, summary["overall"])
    table += "".join(line(group, values) for group, values in sorted(summary["groups"].items()))
    failures = [(reason, row) for row in rows if (reason := _failure(row))]
    failures.sort(key=lambda pair: _severity(pair[1]))
    browser = ""
    for reason, row in failures[:WORST_ITEMS]:
        quotes = "; ".join(evidence.quote for evidence in gold[row["id"]].evidence) or "(none: unanswerable)"
        cited = "; ".join(f"[{c['marker']}] {c['clause_ref']}" for c in row["citations"]) or "(none)"
        browser += (
            f"### {row['id']} ({row['type']}, {row['lang']}): {reason}\n\n"
            f"- question: {row['question']}\n- gold quote: {quotes}\n"
            f"- retrieved: {'; '.join(row['retrieved'])}\n- cited: {cited}\n- answer: {row['answer']}\n\n"
        )
    latency = summary["latency_ms"]
    judged = summary.get("judge")
    judge_line = (
        f"LLM citation judge: {judged['pairs']} (sentence, clause) pairs, supported "
        f"{judged['judge_support']:.3f}, agreement with the string rules "
        f"{judged['agreement_with_string_rules']:.3f}.\n\n"
        if judged
        else ""
    )
    return (
        f"# Eval report: {summary['dataset']} ({summary['mode']})\n\n"
        f"{summary['questions']} questions in {summary['seconds']} s; /ask latency p50 "
        f"{latency['p50']:.0f} ms, p95 {latency['p95']:.0f} ms.\n\n{judge_line}## Metrics\n\n{table}\n"
        f"{_images(figures)}"
        f"## Worst items ({len(failures)} with a failure, worst {min(len(failures), WORST_ITEMS)} shown)\n\n"
        f"{browser or 'None.'}\n"
    )


def run_eval(
    dataset: Path,
    items: Sequence[EvalItem],
    service: AnswerService,
    search: SearchService,
    mode: AnswerMode,
    out: Path,
    *,
    top_k: int | None = None,
    progress: Callable[[EvalItem], None] | None = None,
    judge: CitationJudge | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    report = evaluate_answers(items, service, mode, top_k=top_k, progress=progress)
    _score_forbidden(items, report)
    retrieval = _retrieval(items, search)
    summary = summarise(dataset, report, retrieval, time.perf_counter() - started)
    if judge is not None:
        quotes = {item.id: [evidence.quote for evidence in item.evidence] for item in items}
        verdicts = []
        for row in report.rows:
            if row["answerable"] and not row["refused"]:
                row["judge"] = judge_row(judge, {**row, "gold_quotes": quotes[row["id"]]})
                verdicts.extend(row["judge"])
        summary["judge"] = judge_summary(verdicts)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "results.jsonl").open("w", encoding="utf-8") as results:
        for row in report.rows:
            results.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    figures = [
        figure
        for figure in (
            metric_by_type({report.mode: summary}, ANSWER_METRICS[:3], out / "metrics_by_type.png"),
            latency_histogram(report.latencies_ms, out / "latency.png"),
        )
        if figure is not None
    ]
    gold = {item.id: item for item in items}
    (out / "report.md").write_text(render_report(summary, report.rows, gold, figures), encoding="utf-8")
    return summary


COMPARED_METRICS = ("recall@5", "mrr", *ANSWER_METRICS)


def compare_configs(
    dataset: Path,
    items: Sequence[EvalItem],
    searches: dict[str, Any],
    settings: Any,
    out: Path,
) -> dict[str, dict[str, Any]]:
    """The same questions, extractive answers and scoring over each retrieval configuration; the first
    one is the reference the others are compared with. Writes compare.json and compare.md."""
    summaries: dict[str, dict[str, Any]] = {}
    for name, search in searches.items():
        started = time.perf_counter()
        report = evaluate_answers(items, AnswerService(search, None, settings), "extractive")
        summaries[name] = summarise(dataset, report, _retrieval(items, search), time.perf_counter() - started)
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.json").write_text(json.dumps(summaries, ensure_ascii=False, indent=2), encoding="utf-8")
    figure = metric_by_type(
        summaries, ("recall@5", "citation_precision", "key_fact_accuracy"), out / "compare.png"
    )
    (out / "compare.md").write_text(
        render_comparison(summaries, [figure] if figure else []), encoding="utf-8"
    )
    return summaries


def render_comparison(summaries: dict[str, dict[str, Any]], figures: Sequence[Path] = ()) -> str:
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
        f"in brackets, the difference from {names[0]}.\n\n" + "\n".join(lines) + "\n\n" + _images(figures)
    )


@dataclass(frozen=True)
class GateFailure:
    metric: str
    value: float | None
    bound: str


def check_gate(summary: dict[str, Any], thresholds_file: Path) -> list[GateFailure]:
    """Each `[min]` metric must be at least, each `[max]` metric at most, its threshold (overall)."""
    thresholds = tomllib.loads(thresholds_file.read_text(encoding="utf-8"))
    overall = summary["overall"]
    failures = []
    for metric, bound in thresholds.get("min", {}).items():
        value = overall.get(metric)
        if value is None or value < bound:
            failures.append(GateFailure(metric, value, f">= {bound}"))
    for metric, bound in thresholds.get("max", {}).items():
        value = overall.get(metric)
        if value is None or value > bound:
            failures.append(GateFailure(metric, value, f"<= {bound}"))
    return failures


__all__ = [
    "GateFailure",
    "check_gate",
    "compare_configs",
    "render_comparison",
    "render_report",
    "run_eval",
    "summarise",
]
