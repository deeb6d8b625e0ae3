"""Places and administrative levels named in a text: what a question is about ("昆明", "Kunming",
"国家级") and what a document covers (柳州市, 桂…号, 自治区级), so an answer from another region or level
is never passed off as the answer.

The gazetteer is China's provinces and prefecture-level cities (data/places.tsv, rebuilt by
scripts/build_places.py from the `cpca` package's table). Counties are left out: too many of their
names are ordinary words ("城区", "新区").
"""

from __future__ import annotations

import csv
import importlib.resources
import re
from dataclasses import dataclass
from functools import lru_cache

from qa_service.ingest.normalize import to_simplified

# Short names that are also ordinary words or common personal names: matched only in their full
# form (大同市, 开封市), never alone ("大同小异", "开封").
_AMBIGUOUS_SHORT = frozenset(
    [
        "大同", "开封", "长治", "安康", "白银", "中山", "吉安", "三明", "金昌", "新余",
        "永州", "通化", "白山", "保山", "黄山", "普洱", "海东", "和田", "阿里", "昌都",
        "那曲", "山南", "林芝", "日喀则", "玉树", "果洛", "海南", "海北", "黄南", "海西",
        "阿拉善", "兴安", "锡林郭勒", "巴音郭楞", "博尔塔拉",
    ]
)
_MIN_PINYIN = 5  # "aba", "ali" are English words or parts of them


@dataclass(frozen=True)
class Place:
    name: str  # official name, 柳州市
    short: str  # 柳州
    level: str  # province | city
    province: str  # the province it belongs to (itself for a province)


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[list[tuple[str, Place]], list[tuple[re.Pattern[str], Place]], dict[str, Place]]:
    """(Chinese names longest first, pinyin patterns, province by one-character abbreviation)."""
    table = importlib.resources.files("qa_service.answering") / "data" / "places.tsv"
    names: list[tuple[str, Place]] = []
    pinyin: list[tuple[re.Pattern[str], Place]] = []
    abbreviations: dict[str, Place] = {}
    with table.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            place = Place(row["name"], row["short"], row["level"], row["province"])
            names.append((row["name"], place))
            if row["short"] != row["name"] and row["short"] not in _AMBIGUOUS_SHORT:
                names.append((row["short"], place))
            if len(row["pinyin"]) >= _MIN_PINYIN:
                pinyin.append((re.compile(rf"\b{row['pinyin']}\b", re.I), place))
            if row.get("abbreviation"):
                abbreviations[row["abbreviation"]] = place
    names.sort(key=lambda pair: -len(pair[0]))
    return names, pinyin, abbreviations


def places_in(text: str) -> frozenset[Place]:
    """Every province or city the text names, in Chinese (either script) or in pinyin ("Liuzhou")."""
    names, pinyin, _ = _gazetteer()
    simplified = to_simplified(text)
    found: set[Place] = set()
    taken = [False] * len(simplified)
    for name, place in names:  # longest first: 吉林省 is matched before 吉林 can be
        start = simplified.find(name)
        while start >= 0:
            end = start + len(name)
            if not any(taken[start:end]):
                found.add(place)
                taken[start:end] = [True] * len(name)
            start = simplified.find(name, end)
    for pattern, place in pinyin:
        if pattern.search(text):
            found.add(place)
    return frozenset(found)


_NUMBER_PREFIX = re.compile(r"^\s*([\u4e00-\u9fff])")


def province_of_number(number: str | None) -> Place | None:
    """The province a document number names by its abbreviation: 桂工信规范〔2025〕2号 → 广西."""
    if not number:
        return None
    match = _NUMBER_PREFIX.match(to_simplified(number))
    return _gazetteer()[2].get(match[1]) if match else None


# --- levels -------------------------------------------------------------------------------------

# What a question or a clause names as the level of an award, a platform or a body. "省级" and
# "自治区级" are one level: a region is a province.
_LEVELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("national", re.compile(r"国家级|国家(?:重点|认定|认证)|全国性|national(?:-level| level)?", re.I)),
    ("provincial", re.compile(r"省级|自治区级|(?:省|自治区)(?:重点|认定)|provincial|regional", re.I)),
    ("municipal", re.compile(r"市级|地市级|municipal|city[- ]level", re.I)),
    ("county", re.compile(r"县级|区县级|county[- ]level", re.I)),
)


def levels_in(text: str) -> frozenset[str]:
    simplified = to_simplified(text)
    return frozenset(level for level, pattern in _LEVELS if pattern.search(simplified))


def covers_place(asked: Place, covered: frozenset[Place]) -> bool:
    """Whether a document covering `covered` speaks for `asked`: the same place, the province of the
    city asked about, or a city of the province asked about."""
    return any(
        place == asked or place.name == asked.province or place.province == asked.name for place in covered
    )


__all__ = ["Place", "covers_place", "levels_in", "places_in", "province_of_number"]
