import json

import pytest

from qa_service.core.config import Settings
from qa_service.ingest.chunking import chunk_document
from qa_service.ingest.models import Document, DocumentMeta, LoadedFile
from qa_service.ingest.normalize import compact
from qa_service.ingest.pipeline import ingest_text
from tests.conftest import DEV_SET, SAMPLE_CORPUS


def _document(body: str, number: str | None = "测政规〔2025〕1号") -> Document:
    meta = DocumentMeta(
        "doc-01", "测试市关于印发《测试措施》的通知", number, "测试市人民政府", None, "t.txt", "测试措施"
    )
    return Document(meta, body)


@pytest.fixture(scope="module")
def seed_chunks():
    settings = Settings()
    chunks = []
    for path in sorted(SAMPLE_CORPUS.glob("*.txt")):
        loaded = LoadedFile(str(path), path.read_text(encoding="utf-8"), "txt")
        chunks.extend(ingest_text(loaded, settings)[1])
    return chunks


def test_clause_ref_renders_number_and_labels() -> None:
    body = (
        "一、支持制造业 (一)支持科技创新。给予资助。 (二)支持技术改造。最高补助400万元。" + "补充说明。" * 100
    )
    chunks = chunk_document(_document(body), max_chars=120)
    refs = [chunk.clause_ref for chunk in chunks]
    assert refs[0] == "测政规〔2025〕1号 一、(一)"
    assert refs[1] == "测政规〔2025〕1号 一、(二)"
    assert chunks[1].clause_path == ["一、支持制造业", "(二)"]


def test_no_chunk_exceeds_the_limit_and_long_clauses_are_numbered_parts() -> None:
    body = "第一条 " + "这是一句很长的规定内容。" * 60
    chunks = chunk_document(_document(body, number=None), max_chars=200)
    assert len(chunks) > 1
    assert all(len(chunk.text) <= 200 for chunk in chunks)
    assert [chunk.part for chunk in chunks] == list(range(1, len(chunks) + 1))
    assert {chunk.parts for chunk in chunks} == {len(chunks)}
    assert chunks[0].clause_ref == "测试措施 第一条"


def test_a_heading_is_never_a_chunk_on_its_own() -> None:
    body = "一、总体要求\n(一)指导思想。坚持创新。\n(二)主要目标。到2027年建成10家。\n二、保障措施\n(一)加强领导。"
    chunks = chunk_document(_document(body), max_chars=30)
    assert all(chunk.text not in ("一、总体要求", "二、保障措施") for chunk in chunks)
    assert chunks[0].clause_path == ["一、总体要求", "(一)"]


def test_small_article_keeps_its_items_together() -> None:
    body = "第一条 评价结果分为优秀、合格。\n(一)90分及以上为优秀;\n(二)60分至90分为合格。"
    (chunk,) = chunk_document(_document(body, number=None), max_chars=500)
    assert chunk.clause_ref == "测试措施 第一条"
    assert "(二)60分至90分为合格" in chunk.text


def test_indexed_text_carries_title_and_heading_path() -> None:
    body = "一、构建金融支撑体系 (七)加快设立工业贷。每年贴息1亿元。 (八)加大担保力度。风险补偿0.2%。"
    chunk = chunk_document(_document(body), max_chars=40)[0]
    assert "测试市关于印发《测试措施》的通知" in chunk.index_text
    assert "构建金融支撑体系" in chunk.index_text
    assert chunk.text.startswith("(七)")


def test_seed_chunks_respect_the_size_limit(seed_chunks) -> None:
    assert all(len(chunk.text) <= Settings().chunk_max_chars for chunk in seed_chunks)
    assert len({chunk.chunk_id for chunk in seed_chunks}) == len(seed_chunks)


def test_every_dev_evidence_quote_lies_inside_one_seed_chunk(seed_chunks) -> None:
    chunk_texts = [compact(chunk.text) for chunk in seed_chunks]
    missing = []
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        for evidence in item["evidence"]:
            if not any(compact(evidence["quote"]) in text for text in chunk_texts):
                missing.append((item["id"], evidence["clause"]))
    assert missing == []


def test_seed_001_clause_refs_follow_the_document_structure(seed_chunks) -> None:
    refs = {chunk.clause_ref for chunk in seed_chunks}
    assert "柳政规〔2025〕3号 一、(二)" in refs
    assert "柳政规〔2025〕3号 二、(七)" in refs
    assert "桂工信科新〔2025〕142号 三、(二)5." in refs
    assert "桂工信规范〔2025〕2号 第十五条" in refs
