"""`qa eval gate`: overall metrics against [min] and [max] thresholds."""

from __future__ import annotations

from pathlib import Path

from qa_service.evaluation.gate import GATE_METRICS, check_gate


def test_gate_reports_each_metric_out_of_bounds(tmp_path: Path) -> None:
    thresholds = tmp_path / "thresholds.toml"
    thresholds.write_text(
        '[min]\n"recall@5" = 0.9\nmrr = 0.5\n[max]\nfalse_refusal = 0.1\n', encoding="utf-8"
    )
    passing = {"overall": {"recall@5": 0.95, "mrr": 0.6, "false_refusal": 0.0}}
    assert check_gate(passing, thresholds) == []
    failing = {"overall": {"recall@5": 0.85, "false_refusal": 0.2}}
    assert {(f.metric, f.bound) for f in check_gate(failing, thresholds)} == {
        ("recall@5", ">= 0.9"),
        ("mrr", ">= 0.5"),  # missing from the run: a failure, not a pass
        ("false_refusal", "<= 0.1"),
    }


def test_the_new_metrics_can_be_gated_and_an_unknown_name_fails(tmp_path: Path) -> None:
    assert {"key_fact_first_sentence", "median_answer_chars_factoid_numeric"} <= set(GATE_METRICS)
    thresholds = tmp_path / "thresholds.toml"
    thresholds.write_text(
        "[min]\nkey_fact_first_sentence = 0.6\n[max]\nmedian_answer_chars_factoid_numeric = 120\n"
        "key_fact_acuracy = 1\n",
        encoding="utf-8",
    )
    summary = {"overall": {"key_fact_first_sentence": 0.7, "median_answer_chars_factoid_numeric": 150}}
    failures = {f.metric: f.bound for f in check_gate(summary, thresholds)}
    assert set(failures) == {"median_answer_chars_factoid_numeric", "key_fact_acuracy"}
    assert failures["key_fact_acuracy"].startswith("a known metric")


def test_the_shipped_thresholds_use_known_metrics() -> None:
    import tomllib

    from tests.conftest import ROOT

    shipped = tomllib.loads((ROOT / "eval" / "thresholds.toml").read_text(encoding="utf-8"))
    assert {*shipped.get("min", {}), *shipped.get("max", {})} <= set(GATE_METRICS)
