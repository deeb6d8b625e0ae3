"""Reads a policy document's own metadata: 文号, issuer, signing date, short title."""

from __future__ import annotations

import re

from qa_service.ingest.normalize import to_simplified

# 柳政规〔2025〕3号, 桂科规字〔2025〕2号, 桂政办发[2024]47号 (brackets vary across sites).
DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,12}[〔\[［【（(﹝]\s*(?:19|20)\d{2}\s*[〕\]］】）)﹞]\s*第?\s*\d{1,5}\s*[号號]"
)
CN_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
ISO_DATE = re.compile(r"((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})")
# Organisations sign with names ending in these (simplified and traditional forms).
_ORG_SUFFIX = (
    r"(?:人民政府|政府|办公厅|辦公廳|办公室|辦公室|委员会|委員會|厅|廳|局|委|部|院|署|中心|协会|協會|"
    r"海关|海關|银行|銀行|分行|党委|黨委)"
)
_ORG = rf"[\u4e00-\u9fff（）()]{{2,40}}?{_ORG_SUFFIX}"
SIGNATURE = re.compile(rf"(?:^|(?<=[\s。]))((?:{_ORG}[ \t\u3000]*)+)\s*\n?\s*{CN_DATE.pattern}", re.M)
METADATA_FIELD = re.compile(
    r"^[•·\s]*(文号|發文字號|发文字号|发布机构|發布機構|成文日期|发文日期|來源|来源|信息来源|发布时间|發布時間)"
    r"\s*[:：]\s*(.*)$"
)
_BOOK_TITLE = re.compile(r"《([^《》]{2,80})》")


def find_doc_number(text: str) -> str | None:
    match = DOC_NUMBER.search(text)
    return re.sub(r"\s+", "", match.group(0)) if match else None


def format_date(year: str, month: str, day: str) -> str:
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def find_signature(text: str) -> tuple[str | None, str | None]:
    """(issuer, date) from the first "ORG [ORG…] YYYY年M月D日" signature block."""
    match = SIGNATURE.search(text)
    if not match:
        return None, None
    issuer = re.sub(r"[ \t\u3000]+", " ", match.group(1)).strip()
    return issuer, format_date(match.group(2), match.group(3), match.group(4))


def parse_metadata_fields(lines: list[str]) -> dict[str, str]:
    """Labelled fields of a page's info box ("发布机构: 区科技局"); a value may sit on the next line."""
    fields: dict[str, str] = {}
    for position, line in enumerate(lines):
        match = METADATA_FIELD.match(line)
        if not match:
            continue
        key = to_simplified(match.group(1))
        value = match.group(2).strip()
        if not value and position + 1 < len(lines) and not METADATA_FIELD.match(lines[position + 1]):
            value = lines[position + 1].strip()
        if value and key not in fields:
            fields[key] = value.split(" ")[0] if key in ("文号", "发布机构") else value
    return fields


def first_date(text: str) -> str | None:
    match = CN_DATE.search(text) or ISO_DATE.search(text)
    return format_date(*match.groups()) if match else None


def short_title(title: str) -> str:
    """The policy's own name: the text inside 《》 when the title is a covering notice."""
    match = _BOOK_TITLE.search(title)
    if match:
        return match.group(1).strip()
    notice = re.search(r"印发(关于.{4,80}?)的通知", title)
    if notice:
        return notice.group(1)
    return re.sub(r"[(（][^()（）]*[号號][)）]\s*$", "", title).strip()


def issuer_from_title(title: str) -> str | None:
    match = re.match(r"^(.{2,40}?)(?:关于|關於|關于|印发)", title)
    return match.group(1).strip() if match else None
