from qa_service.answering.question import analyse
from qa_service.answering.refusal import scope_gaps
from qa_service.ingest.models import Chunk, DocumentMeta
from qa_service.retrieval.retriever import SearchHit


def _hit(title: str) -> SearchHit:
    document = DocumentMeta("d", title, None, None, None, "s", title)
    return SearchHit(Chunk("c", "d", "单个项目最高补助400万元", [], "一、"), document, 1.0, 1, 1, 0.9)


LIUZHOU = _hit("柳州市人民政府关于印发《柳州市支持制造业转型升级的若干措施》的通知")
NATIONAL = _hit("中华人民共和国劳动合同法")


def test_a_place_no_retrieved_regional_document_covers_is_a_gap() -> None:
    assert scope_gaps(analyse("昆明对企业技改项目最高补助多少？"), [LIUZHOU]) == ("昆明市",)
    assert scope_gaps(analyse("How much does Kunming give for upgrades?"), [LIUZHOU]) == ("昆明市",)


def test_covered_places_and_national_laws_are_no_gap() -> None:
    assert scope_gaps(analyse("柳州技改最多补多少？"), [LIUZHOU]) == ()
    assert scope_gaps(analyse("南宁技改最多补多少？"), [_hit("广西壮族自治区人民政府办公厅关于…")]) == ()
    assert scope_gaps(analyse("我在昆明开了个小店，试用期最长多久？"), [NATIONAL, LIUZHOU]) == ()
    assert scope_gaps(analyse("技改最多补多少？"), [LIUZHOU]) == ()


def test_a_question_naming_a_covered_place_too_is_about_it() -> None:
    assert scope_gaps(analyse("在上海的企业能享受柳州的技改补助吗？"), [LIUZHOU]) == ()
