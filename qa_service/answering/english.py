"""An English first sentence for an English question about Chinese clauses, without a translator:
the figures of the quoted span rendered in English ("up to RMB 4 million (400万元)"), each followed by
the figure as written, so the reader who cannot read Chinese gets the fact and the one who can sees
where it comes from. The Chinese quote follows it verbatim.
"""

from __future__ import annotations

from decimal import Decimal

from qa_service.answering.numbers import Figure, extract_figures

_UP_TO = ("最高", "不超过", "不得超过", "不应超过", "最多", "上限", "以内", "以下", "不高于")
_AT_LEAST = ("不低于", "不少于", "至少", "以上", "超过")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
_TIME_UNITS = {"年": "year", "月": "month", "日": "day", "天": "day", "周": "week", "小时": "hour"}


def _amount(value: Decimal) -> str:
    for size, word in ((Decimal(10) ** 9, "billion"), (Decimal(10) ** 6, "million")):
        if abs(value) >= size:
            return f"{value / size:,.2f}".rstrip("0").rstrip(".") + f" {word}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _render(figure: Figure) -> str:
    value = figure.value
    if figure.kind == "money" and isinstance(value, Decimal):
        currency = "USD" if figure.unit == "USD" else "RMB"
        return f"{currency} {_amount(value)}"
    if figure.kind in ("percent", "percentage_point") and isinstance(value, Decimal):
        points = " percentage points" if figure.kind == "percentage_point" else "%"
        return f"{value.normalize():f}{points}"
    if figure.kind == "date" and isinstance(value, str):
        year, month, day = [*value.split("-"), "*", "*"][:3]
        parts = [part for part in (day if day != "*" else "", _month(month), year) if part]
        return " ".join(parts)
    if figure.kind == "duration" and isinstance(value, Decimal) and figure.unit in _TIME_UNITS:
        unit = _TIME_UNITS[figure.unit]
        return f"{value.normalize():f} {unit}{'' if value == 1 else 's'}"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return figure.text


def _month(month: str) -> str:
    return _MONTHS[int(month) - 1] if month.isdigit() and 1 <= int(month) <= 12 else ""


def _qualifier(span: str, figure: Figure) -> str:
    before = span[max(0, figure.start - 8) : figure.start]
    after = span[figure.end : figure.end + 3]
    if any(word in before for word in _UP_TO) or after.startswith(("以内", "以下")):
        return "up to "
    if any(word in before for word in _AT_LEAST) or after.startswith("以上"):
        return "at least "
    return ""


def english_lead(span: str) -> str:
    """ "The documents state up to RMB 4 million (400万元)" for a span stating 最高补助400万元;
    "The documents state" when the span has no figure."""
    figures = [figure for figure in extract_figures(span) if figure.kind != "year"][:4]
    if not figures:
        return "The documents state"
    rendered = []
    for figure in figures:
        english = _render(figure)
        original = span[figure.start : figure.end] if figure.end > figure.start else figure.text
        shown = english if english == original else f"{english} ({original})"
        rendered.append(_qualifier(span, figure) + shown)
    return "The documents state " + ", ".join(rendered)


__all__ = ["english_lead"]
