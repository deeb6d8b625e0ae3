import numpy as np

from qa_service.answering.question import analyse
from qa_service.ingest.models import Chunk, DocumentMeta
from qa_service.retrieval.rerank import FEATURES, Candidate, candidate_features, document_scope, load_reranker


def _document(title: str, number: str | None = None) -> DocumentMeta:
    return DocumentMeta("d", title, number, None, None, "s", title)


def _candidate(text: str, document: DocumentMeta, fused: float, dense: float) -> Candidate:
    return Candidate(
        chunk=Chunk("c", document.doc_id, text, ["一、"], "一、"),
        document=document,
        scope=document_scope(document),
        fused_score=fused,
        dense_rank=1,
        dense_score=dense,
        lexical_rank=None,
        lexical_score=None,
        position=0.0,
    )


def test_document_scope_reads_title_number_and_national_laws() -> None:
    assert {p.name for p in document_scope(_document("柳州市人民政府关于印发…的通知")).places} == {"柳州市"}
    assert {p.name for p in document_scope(_document("关于印发…办法", "桂工信规范〔2025〕2号")).places} == {
        "广西壮族自治区"
    }
    national = document_scope(_document("中华人民共和国劳动合同法"))
    assert national.national and not national.places


def test_place_features_tell_the_region_apart() -> None:
    liuzhou = _candidate("单个项目最高补助400万元", _document("柳州市支持制造业转型升级的若干措施"), 0.03, 0.85)
    national = _candidate("试用期不得超过六个月", _document("中华人民共和国劳动合同法"), 0.02, 0.80)
    features = candidate_features(analyse("昆明对企业技改项目最高补助多少？"), [liuzhou, national])
    assert features.shape == (2, len(FEATURES))
    column = {name: i for i, name in enumerate(FEATURES)}
    assert features[0, column["place_mismatch"]] == 1.0
    assert features[1, column["place_mismatch"]] == 0.0
    assert features[1, column["document_national"]] == 1.0
    assert features[0, column["figure_match"]] == 1.0
    assert np.isfinite(features).all()


def test_no_reranker_when_turned_off() -> None:
    assert load_reranker("none") is None
