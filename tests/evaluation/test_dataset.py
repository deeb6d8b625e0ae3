import json
from pathlib import Path

import pytest

from qa_service.evaluation.dataset import DatasetError, EvalItem, Evidence, load_dataset
from qa_service.evaluation.scoring import covers, key_fact_accuracy

ROOT = Path(__file__).resolve().parents[2]
DEV_SET = ROOT / "eval" / "datasets" / "seeds_dev.jsonl"
SEED_PAGES = ROOT / "examples" / "corpus"


def _item(**changes: object) -> dict:
    item: dict = {
        "id": "t1",
        "lang": "zh",
        "question": "企业最多奖励多少?",
        "answer": "单个企业最高奖励250万元。",
        "key_facts": ["250万元"],
        "evidence": [
            {"seed_file": "x.txt", "doc_key": "doc", "quote": "单个企业最高奖励250万元", "clause": "一、"}
        ],
        "type": "numeric",
        "answerable": True,
        "question_script": "simplified",
        "doc_keys": ["doc"],
    }
    item.update(changes)
    return item


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _line(item: dict) -> str:
    return json.dumps(item, ensure_ascii=False)


def test_items_are_parsed_and_blank_lines_skipped(tmp_path: Path) -> None:
    unanswerable = _item(id="t2", answerable=False, key_facts=[], evidence=[], type="unanswerable")
    del unanswerable["doc_keys"]
    paired = _item(id="t3", key_facts=["7家", "6300万元"], key_facts_alt=[None, "6300萬元"])
    path = _write(tmp_path, _line(_item()), "", "   ", _line(unanswerable), _line(paired), "")
    items = load_dataset(path)
    assert [item.id for item in items] == ["t1", "t2", "t3"]
    assert items[0] == EvalItem(
        id="t1",
        lang="zh",
        question="企业最多奖励多少?",
        question_script="simplified",
        type="numeric",
        answerable=True,
        answer="单个企业最高奖励250万元。",
        key_facts=["250万元"],
        evidence=[Evidence(seed_file="x.txt", doc_key="doc", quote="单个企业最高奖励250万元", clause="一、")],
        key_facts_alt=[],
        doc_keys=["doc"],
    )
    assert not items[1].answerable and items[1].evidence == [] and items[1].doc_keys == []
    assert items[2].key_facts_alt == [None, "6300萬元"]


def test_optional_evidence_fields_default_to_empty(tmp_path: Path) -> None:
    items = load_dataset(_write(tmp_path, _line(_item(evidence=[{"quote": "最高补助"}]))))
    assert items[0].evidence == [Evidence(seed_file="", doc_key="", quote="最高补助", clause="")]


def test_a_leading_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text("\ufeff" + _line(_item()) + "\n", encoding="utf-8")
    assert [item.id for item in load_dataset(path)] == ["t1"]


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ("{broken", r"invalid JSON"),
        ("[1, 2]", r"expected a JSON object, got list"),
        (_line({k: v for k, v in _item().items() if k != "question"}), r"missing field 'question'"),
        (_line({k: v for k, v in _item().items() if k != "key_facts"}), r"missing field 'key_facts'"),
        (_line({k: v for k, v in _item().items() if k != "evidence"}), r"missing field 'evidence'"),
        (_line(_item(answerable="yes")), r"field 'answerable' must be bool, got str"),
        (_line(_item(id=7)), r"field 'id' must be str, got int"),
        (_line(_item(answer=None)), r"field 'answer' must be str, got null"),
        (_line(_item(question="  ")), r"empty 'question'"),
        (_line(_item(key_facts="250万元")), r"field 'key_facts' must be a list, got str"),
        (_line(_item(key_facts=["250万元", 400])), r"field 'key_facts'\[1\] must be a string, got int"),
        (_line(_item(key_facts_alt=[None, 3])), r"field 'key_facts_alt'\[1\] must be a string or null"),
        (_line(_item(evidence={"quote": "x"})), r"field 'evidence' must be a list, got dict"),
        (_line(_item(evidence=["x"])), r"evidence\[0\] must be an object, got str"),
        (_line(_item(evidence=[{"seed_file": "x.txt"}])), r"evidence\[0\]: missing field 'quote'"),
        (_line(_item(evidence=[{"quote": ""}])), r"evidence\[0\]: empty 'quote'"),
        (_line(_item(evidence=[{"quote": "x", "clause": 1}])), r"evidence\[0\]: field 'clause' must be str"),
        (_line(_item(id="t1")), r"duplicate id 't1' \(first on line 1\)"),
    ],
)
def test_malformed_lines_are_reported_with_their_number(tmp_path: Path, bad_line: str, reason: str) -> None:
    # line 1: a good item, line 2: blank, line 3: the bad one
    path = _write(tmp_path, _line(_item()), "", bad_line)
    with pytest.raises(DatasetError, match=rf"gold\.jsonl:3: {reason}"):
        load_dataset(path)


def test_the_first_bad_line_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "{broken", _line(_item(id=1)))
    with pytest.raises(DatasetError, match=r"gold\.jsonl:1: invalid JSON"):
        load_dataset(path)


@pytest.mark.skipif(not DEV_SET.exists(), reason="dev set not bundled")
def test_dev_set_gold_quotes_are_covered_by_their_own_seed_pages() -> None:
    """Sanity check of normalize/covers on the real data: each quote is an exact substring of its raw
    seed page, so it must be covered by it (pinyin damage and all)."""
    items = load_dataset(DEV_SET)
    assert items
    pages: dict[str, str] = {}
    checked = 0
    for item in items:
        if not item.answerable:
            assert not item.evidence and not item.key_facts, item.id
            continue
        assert item.evidence and item.key_facts, item.id
        for evidence in item.evidence:
            page_path = SEED_PAGES / evidence.seed_file
            if not page_path.exists():
                pytest.skip(f"seed page {evidence.seed_file} not bundled")
            page = pages.setdefault(evidence.seed_file, page_path.read_text(encoding="utf-8"))
            assert evidence.quote in page, (item.id, evidence.clause)
            assert covers(page, evidence.quote), (item.id, evidence.clause)
            checked += 1
    assert checked


@pytest.mark.skipif(not DEV_SET.exists(), reason="dev set not bundled")
def test_dev_set_gold_answers_score_full_key_fact_accuracy() -> None:
    for item in load_dataset(DEV_SET):
        if item.answerable:
            assert key_fact_accuracy(item.answer, item.key_facts, item.key_facts_alt) == 1.0, item.id
            if item.key_facts_alt:
                # the alternative forms alone (in place of the written ones) are found as well
                alt_only = " ".join(
                    alt or fact for fact, alt in zip(item.key_facts, item.key_facts_alt, strict=True)
                )
                assert key_fact_accuracy(alt_only, item.key_facts, item.key_facts_alt) == 1.0, item.id


# --- follow-ups and splits -------------------------------------------------------------------------


def test_history_is_optional_and_validated(tmp_path: Path) -> None:
    from qa_service.answering.followup import Turn

    turns = [
        {"role": "user", "content": "柳州技改最多补多少？"},
        {"role": "assistant", "content": "400万元。"},
    ]
    path = _write(
        tmp_path, _line(_item()), _line(_item(id="t2", history=turns)), _line(_item(id="t3", history=None))
    )
    items = load_dataset(path)
    assert items[0].history == [] and items[2].history == []
    assert items[1].history == [Turn("user", "柳州技改最多补多少？"), Turn("assistant", "400万元。")]
    for bad, message in (
        ("不是列表", "field 'history' must be a list"),
        (["turn"], r"history\[0\] must be an object"),
        ([{"role": "user"}], r"history\[0\]: missing field 'content'"),
        ([{"role": "system", "content": "x"}], "role must be user or assistant"),
        ([{"role": "user", "content": 3}], "field 'content' must be str"),
    ):
        with pytest.raises(DatasetError, match=message):
            load_dataset(_write(tmp_path, _line(_item(history=bad))))


def test_each_file_of_a_run_is_a_split_named_by_its_stem(tmp_path: Path) -> None:
    from qa_service.evaluation.dataset import load_splits

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for name in ("a/dev.jsonl", "a/test.jsonl", "b/dev.jsonl"):
        (tmp_path / name).write_text(_line(_item()) + "\n", encoding="utf-8")
    splits = load_splits([tmp_path / "a/dev.jsonl", tmp_path / "a/test.jsonl"])
    assert [(split.name, len(split.items)) for split in splits] == [("dev", 1), ("test", 1)]
    with pytest.raises(DatasetError, match="also named 'dev'"):
        load_splits([tmp_path / "a/dev.jsonl", tmp_path / "b/dev.jsonl"])
