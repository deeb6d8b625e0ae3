import json

from qa_service.ingest.cleaning import clean_text
from qa_service.ingest.normalize import compact
from qa_service.ingest.splitting import split_documents
from tests.conftest import SAMPLE_CORPUS, SEED_DOCUMENTS, seed_text


def _split(prefix: str):
    path = next(SAMPLE_CORPUS.glob(f"{prefix}_*.txt"))
    return split_documents(clean_text(path.read_text(encoding="utf-8")), path.name)


def test_seed_001_listing_page_splits_into_its_eight_documents() -> None:
    documents = _split("001")
    assert len(documents) == 8
    numbers = [document.meta.number for document in documents]
    assert numbers[0] == "柳政规〔2025〕3号"
    assert numbers[1] == "桂科规字〔2025〕2号"
    assert "柳科通〔2024〕52号" in numbers
    first = documents[0].meta
    assert first.issuer == "柳州市人民政府"
    assert first.date == "2025-04-08"
    assert first.short_title == "柳州市支持制造业转型升级的若干措施"
    # list-page entries (title + date, no body) are not documents
    assert len({document.meta.title for document in documents}) == 8
    # each body stops where the next document starts
    assert "桂科规字〔2025〕2号" not in documents[0].body


def test_body_references_are_not_taken_as_the_document_number() -> None:
    (reply,) = _split("003")
    assert reply.meta.number is None  # the body cites 桂政发〔2018〕51号, which is not its own number
    assert compact(reply.meta.title) == compact("关于自治区政协十二届三次会议第20200302号提案答复的函")
    assert reply.meta.date == "2020-07-20"


def test_news_page_takes_the_title_from_its_full_text_line() -> None:
    (plan,) = _split("002")
    assert plan.meta.short_title == "科技强桂三年行动方案(2021—2023年)"
    assert plan.body.startswith("科技兴则广西兴")


def test_info_box_fields_are_not_part_of_the_title_or_body() -> None:
    (reply,) = _split("004")
    assert reply.meta.title == "绍兴市柯桥区科学技术局关于区政协二届二次会议第2号提案的答复"
    assert reply.meta.date == "2023-06-20"
    assert "索引号" not in reply.body


def test_at_least_11_of_12_gold_documents_found_with_title_and_number() -> None:
    gold = json.loads(SEED_DOCUMENTS.read_text(encoding="utf-8"))
    found = {}
    for path in sorted(SAMPLE_CORPUS.glob("*.txt")):
        for document in split_documents(clean_text(path.read_text(encoding="utf-8")), path.name):
            found[(path.name, compact(document.meta.title))] = document.meta.number
    matched = 0
    for entry in gold:
        titles = {compact(entry["title"]), compact(entry.get("title_clean") or entry["title"])}
        for title in titles:
            key = (entry["seed_file"], title)
            if key in found and found[key] == entry["number"]:
                matched += 1
                break
    assert matched >= 11, f"only {matched} of {len(gold)} documents found with the right title and number"


def test_markdown_law_is_one_document_titled_by_its_heading() -> None:
    text = "# 中华人民共和国测试法\n\n2020年1月1日 全国人民代表大会常务委员会通过\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n第一条 为了测试，制定本法。\n"
    (law,) = split_documents(text, "测试法(2020-01-01).md")
    assert law.meta.title == "中华人民共和国测试法"
    assert law.meta.date == "2020-01-01"
    assert law.body.startswith("## 第一章 总则")


def test_page_without_a_title_is_one_document() -> None:
    (document,) = split_documents("这是一段没有标题的文字。\n第二段文字。", "note.txt")
    assert document.meta.title == "note"
    assert "第二段文字" in document.body


def test_seed_000_traditional_document_keeps_its_script() -> None:
    (reply,) = split_documents(clean_text(seed_text("000")), "000.txt")
    assert reply.meta.issuer == "廣西壯族自治區科學技術廳"
    assert reply.meta.date == "2023-08-24"
