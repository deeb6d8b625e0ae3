"""End to end with the real model, FAISS and BM25 over the five seed pages."""

import pytest
from fastapi.testclient import TestClient

from qa_service.api.main import create_app
from qa_service.ingest.normalize import compact

pytestmark = pytest.mark.slow


def _covers(text: str, quote: str) -> bool:
    return compact(quote) in compact(text)


def test_paraphrased_question_finds_the_technical_upgrade_clause(seed_search_service) -> None:
    hits = seed_search_service.search("我们厂想换设备做技改，柳州市里最多补多少？", top_k=5)
    assert any(
        hit.chunk.clause_ref == "柳政规〔2025〕3号 一、(二)"
        and _covers(hit.chunk.text, "单个项目最高补助400万元")
        for hit in hits
    )


def test_simplified_question_finds_a_traditional_clause(seed_search_service) -> None:
    hits = seed_search_service.search("科创贷贴息几个百分点", top_k=5)
    assert any(_covers(hit.chunk.text, "科創貸”按照3個百分點進行貼息") for hit in hits)


def test_english_question_finds_the_chinese_clause(seed_search_service) -> None:
    hits = seed_search_service.search(
        "How many square metres of workspace must a proof-of-concept center have?", top_k=5
    )
    assert any(_covers(hit.chunk.text, "拥有固定工作场所200平方米以上") for hit in hits)


def test_dense_and_lexical_modes_both_work(seed_search_service) -> None:
    for mode in ("dense", "lexical"):
        hits = seed_search_service.search("柳州工业贷贴息资金", top_k=3, mode=mode)
        assert hits, mode
        assert any("柳州工业贷" in hit.chunk.text for hit in hits)


def test_search_api_over_the_real_index(seed_index_settings, seed_search_service) -> None:
    with TestClient(create_app(seed_index_settings, seed_search_service)) as client:
        response = client.post("/search", json={"query": "企业技术中心认定需要多少研发人员", "top_k": 5})
        assert response.status_code == 200
        results = response.json()["results"]
        assert any(_covers(result["text"], "研究与试验发展人员数不少于40人") for result in results)
        assert len(client.get("/documents").json()["documents"]) == 12


def test_abbreviated_question_finds_the_full_term_clause(seed_search_service) -> None:
    hits = seed_search_service.search("我们厂做技改，柳州最多补多少？", top_k=3)
    assert hits[0].chunk.clause_ref == "柳政规〔2025〕3号 一、(二)"
