"""report.md: the metric tables (overall, per split, dev → test generalisation), the figures, and the
worst items of each failure kind with what a maintainer needs to see why (question, gold quote,
cited clauses, answer)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from qa_service.evaluation.answers import ANSWER_METRICS, FORBIDDEN_METRIC, ResultRow
from qa_service.evaluation.dataset import EvalItem
from qa_service.evaluation.failures import failures_by_kind
from qa_service.evaluation.groups import OVERALL
from qa_service.evaluation.summary import MEDIAN_CHARS, MEDIAN_CHARS_SHORT, group_values

WORST_PER_KIND = 3
GENERALISATION_TOLERANCE = 0.05  # a test-set drop larger than this is flagged
LOWER_IS_BETTER = ("false_refusal", FORBIDDEN_METRIC)
CHAR_METRICS = (MEDIAN_CHARS, MEDIAN_CHARS_SHORT)
GENERALISATION_METRICS = ("recall@5", "mrr", *ANSWER_METRICS, FORBIDDEN_METRIC, MEDIAN_CHARS_SHORT)


def _metrics(summary: Mapping[str, Any]) -> list[str]:
    metrics = ["recall@5", "mrr", *ANSWER_METRICS]
    if FORBIDDEN_METRIC in summary["overall"]:
        metrics.append(FORBIDDEN_METRIC)
    return [*metrics, MEDIAN_CHARS]


def _cell(metric: str, value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "-"
    return f"{value:.0f}" if metric in CHAR_METRICS else f"{value:.3f}"


def metrics_table(
    overall: Mapping[str, Any], groups: Mapping[str, Mapping[str, Any]], metrics: Sequence[str]
) -> str:
    header = "| group | n | " + " | ".join(metrics) + " |\n|---|---|" + "---|" * len(metrics) + "\n"

    def line(group: str, values: Mapping[str, Any]) -> str:
        cells = [_cell(metric, values.get(metric)) for metric in metrics]
        return f"| {group} | {values.get('n', 0)} | " + " | ".join(cells) + " |\n"

    return header + line(OVERALL, overall) + "".join(line(g, v) for g, v in sorted(groups.items()))


def split_tables(rows: Sequence[ResultRow], metrics: Sequence[str]) -> str:
    """One table per split, its groups computed from its own rows (only when a run has several)."""
    splits = list(dict.fromkeys(row.split for row in rows))
    if len(splits) < 2:
        return ""
    tables = ""
    for split in splits:
        groups = group_values([row for row in rows if row.split == split])
        overall = groups.pop(OVERALL)
        groups = {g: v for g, v in groups.items() if not g.startswith("split:")}
        tables += f"### Split {split}\n\n{metrics_table(overall, groups, metrics)}\n"
    return tables


def generalisation_table(groups: Mapping[str, Mapping[str, Any]]) -> str:
    """Each metric on dev and on test and their difference; a difference worse than the tolerance is
    flagged (a drop, or a rise for a lower-is-better rate). Empty unless both splits were run."""
    dev, test = groups.get("split:dev"), groups.get("split:test")
    if dev is None or test is None:
        return ""
    lines = ["| metric | dev | test | test − dev | |", "|---|---|---|---|---|"]
    for metric in GENERALISATION_METRICS:
        if metric not in dev and metric not in test:
            continue
        before, after = dev.get(metric), test.get(metric)
        if before is None or after is None:
            lines.append(f"| {metric} | {_cell(metric, before)} | {_cell(metric, after)} | - | |")
            continue
        difference = after - before
        worse = -difference if metric not in LOWER_IS_BETTER else difference
        flag = "⚠ worse" if metric not in CHAR_METRICS and worse > GENERALISATION_TOLERANCE else ""
        shown = f"{difference:+.0f}" if metric in CHAR_METRICS else f"{difference:+.3f}"
        lines.append(f"| {metric} | {_cell(metric, before)} | {_cell(metric, after)} | {shown} | {flag} |")
    return (
        f"## Generalisation (dev → test)\n\nn = {dev.get('n', 0)} dev, {test.get('n', 0)} test; "
        f"⚠ marks a test result worse than dev by more than {GENERALISATION_TOLERANCE}.\n\n"
        + "\n".join(lines)
        + "\n\n"
    )


def _item(row: ResultRow, gold: Mapping[tuple[str, str], EvalItem]) -> str:
    item = gold.get((row.split, row.id))
    quotes = "; ".join(e.quote for e in item.evidence) if item else ""
    cited = "; ".join(f"[{c.marker}] {c.clause_ref}" for c in row.citations)
    history = "".join(f"  - {turn['role']}: {turn['content']}\n" for turn in row.history)
    lines = [f"#### {row.id} ({row.split}, {row.type}, {row.lang})\n"]
    if history:
        lines.append(f"- history:\n{history}")
    lines.append(f"- question: {row.question}\n")
    if row.query != row.question:
        lines.append(f"- standalone query: {row.query}\n")
    lines.append(f"- gold quote: {quotes or '(none: unanswerable)'}\n")
    lines.append(f"- retrieved: {'; '.join(row.retrieved) or '(none)'}\n")
    answer = row.answer.replace("\n", " ↵ ")  # one list item, as the reader sees the lines
    lines.append(f"- cited: {cited or '(none)'}\n- answer: {answer}\n\n")
    return "".join(lines)


def worst_items(rows: Sequence[ResultRow], gold: Mapping[tuple[str, str], EvalItem]) -> str:
    """The worst few items of each failure kind, most misleading kinds first."""
    grouped = failures_by_kind(rows)
    if not grouped:
        return "None.\n"
    text = ""
    for kind, failed in grouped.items():
        shown = failed[:WORST_PER_KIND]
        text += f"### {kind} ({len(failed)} items, worst {len(shown)} shown)\n\n"
        text += "".join(_item(row, gold) for row in shown)
    return text


def images(figures: Sequence[Path]) -> str:
    return "".join(f"![{figure.stem}]({figure.name})\n\n" for figure in figures)


def render_report(
    summary: Mapping[str, Any],
    rows: Sequence[ResultRow],
    gold: Mapping[tuple[str, str], EvalItem],
    figures: Sequence[Path] = (),
) -> str:
    metrics = _metrics(summary)
    latency = summary["latency_ms"]
    judged = summary.get("judge")
    judge_line = (
        f"LLM citation judge: {judged['pairs']} (sentence, clause) pairs, supported "
        f"{judged['judge_support']:.3f}, agreement with the string rules "
        f"{judged['agreement_with_string_rules']:.3f}.\n\n"
        if judged
        else ""
    )
    short = summary["overall"].get(MEDIAN_CHARS_SHORT)
    chars_line = f"Median answer length (factoid and numeric): {short:.0f} characters.\n\n" if short else ""
    failing = len({(row.split, row.id) for failed in failures_by_kind(rows).values() for row in failed})
    return (
        f"# Eval report: {summary['dataset']} ({summary['mode']})\n\n"
        f"{summary['questions']} questions in {summary['seconds']} s; /ask latency p50 "
        f"{latency['p50']:.0f} ms, p95 {latency['p95']:.0f} ms.\n\n{judge_line}{chars_line}"
        f"## Metrics\n\nrecall@5 and mrr are scored on the standalone query /ask retrieved with.\n\n"
        f"{metrics_table(summary['overall'], summary['groups'], metrics)}\n"
        f"{split_tables(rows, metrics)}"
        f"{generalisation_table(summary['groups'])}"
        f"{images(figures)}"
        f"## Worst items per failure kind ({failing} items with a failure, "
        f"worst {WORST_PER_KIND} of each kind)\n\n"
        f"{worst_items(rows, gold)}"
    )


__all__ = ["generalisation_table", "images", "metrics_table", "render_report", "split_tables", "worst_items"]
