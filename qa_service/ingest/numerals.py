"""Chinese numeral characters, shared by clause numbering and figure reading."""

from __future__ import annotations

CN_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
CN_SMALL_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
CN_BIG_UNITS: dict[str, int] = {"万": 10**4, "亿": 10**8}


def chinese_integer(text: str) -> int | None:
    """一百零五 → 105, 五百万 → 5000000, 二〇二五 → 2025 (digit by digit); None if not a numeral."""
    if not text:
        return None
    if len(text) > 1 and all(char in CN_DIGITS for char in text):
        return int("".join(str(CN_DIGITS[char]) for char in text))
    total = section = number = 0
    for char in text:
        if char in CN_DIGITS:
            number = CN_DIGITS[char]
        elif char in CN_SMALL_UNITS:
            section += (number or 1) * CN_SMALL_UNITS[char]
            number = 0
        elif char in CN_BIG_UNITS:
            section += number
            number = 0
            if char == "亿":
                total, section = (total + section) * CN_BIG_UNITS[char], 0
            else:
                section *= CN_BIG_UNITS[char]
        else:
            return None
    return total + section + number
