"""Figures in Chinese and English policy text (amounts, percentages, counts, dates), normalised.

An answer may state a figure only if a clause it cites states the same figure. Comparing canonical
values (yuan, percent, square metres, …) lets "400万元", "4,000,000元", "４００萬元" and "RMB 4 million"
agree, while "400万元" and "400元" or "15%" and "15个百分点" do not.

Extraction is conservative about what counts as a figure: clause labels ("(一)", "1.", "①", "第十五条"),
document numbers ("柳政规〔2025〕3号"), citation markers ("[1]"), identifiers ("IPv6", "5G") and names of
policies in 《》 are references, not claims, and are skipped. A Chinese numeral counts only when a unit
follows it ("五百万元", "十家"), because "统一", "一是" and "三大" are words, not figures.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from qa_service.ingest.normalize import to_simplified
from qa_service.ingest.numerals import CN_BIG_UNITS, CN_DIGITS, chinese_integer

KINDS = (
    "money",
    "percent",
    "percentage_point",
    "area",
    "people",
    "count",
    "duration",
    "measure",
    "year",
    "date",
    "ratio",
    "plain",
)


@dataclass(frozen=True)
class Figure:
    """One figure: its span as written and its canonical value.

    `value` is a Decimal in the base unit (yuan for money, percent for percentages, m² for area) for
    quantities, "Y-M-D" with "*" for missing parts for dates ("2027-12-*"), and "a:b" for ratios.
    `number` is the numeral as written before 万/亿/million, so "400" of "400万元".
    """

    text: str
    kind: str
    value: Decimal | str
    unit: str = (
        ""  # currency (CNY, USD), area unit (m2, mu), counter (家, 项), time unit (年, 月); "" = unknown
    )
    number: Decimal | None = None
    start: int = 0
    end: int = 0


# --- normalisation with an offset map, so spans can be reported in the original text -------------


def _is_enumerator(char: str) -> bool:
    """①, ⑴, ⒈, ㉑ …: NFKC would turn these labels into plain digits."""
    code = ord(char)
    return (
        0x2460 <= code <= 0x24FF
        or 0x2776 <= code <= 0x2793
        or 0x3251 <= code <= 0x325F
        or 0x32B1 <= code <= 0x32BF
    )


def _normalise(text: str) -> tuple[str, list[int]]:
    simplified = to_simplified(text)
    if len(simplified) != len(text):
        # A phrase conversion changed the length; convert char by char to keep offsets aligned.
        simplified = "".join(s if len(s := to_simplified(c)) == 1 else c for c in text)
    whole = unicodedata.normalize("NFKC", simplified)
    if len(whole) == len(simplified) and not any(map(_is_enumerator, simplified)):
        return whole, list(range(len(whole)))  # the common case: every character maps to one
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(simplified):
        piece = "§" if _is_enumerator(char) else unicodedata.normalize("NFKC", char)
        pieces.append(piece)
        origin.extend([index] * len(piece))
    return "".join(pieces), origin


# --- patterns (on the normalised text) -----------------------------------------------------------

_CN_D = "零〇一二两三四五六七八九"
_CN_NUM = rf"[{_CN_D}十][{_CN_D}十百千万亿]*(?:点[{_CN_D}]+[万亿]*)?"
_AR_NUM = r"(?<![\d.])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?)"
_W = r"(?![a-z])"  # end of an English word (patterns are case-insensitive)

_CANDIDATE = re.compile(
    rf"(?P<cur>(?:rmb|cny|usd|us\$|hk\$|hkd|eur|¥|\$|€)\s?)?(?:(?P<ar>{_AR_NUM})|(?P<cn>{_CN_NUM}))", re.I
)
_CURRENCIES = {"rmb": "CNY", "cny": "CNY", "¥": "CNY", "usd": "USD", "us$": "USD", "$": "USD"}
_CURRENCIES |= {"hk$": "HKD", "hkd": "HKD", "eur": "EUR", "€": "EUR"}

_MULTIPLIERS = [
    (re.compile(pattern, re.I), Decimal(factor))
    for pattern, factor in [
        (r"万亿", 10**12),
        (r"千万", 10**7),
        (r"百万", 10**6),
        (r"亿", 10**8),
        (r"万", 10**4),
        (r"千(?![米克瓦])", 10**3),
        (rf"\s?trillion{_W}", 10**12),
        (rf"\s?(?:billion|bn){_W}", 10**9),
        (rf"\s?(?:million|mn){_W}", 10**6),
        (rf"\s?thousand{_W}", 10**3),
    ]
]

_COUNTERS = "个|家|项|件|次|批|户|所|支|座|台|套|款|场|条|篇|部|种|类|倍|份|处|宗|辆|张|只|株|头|届|轮|档"
_EN_COUNTS = (
    r"compan(?:y|ies)|enterprises?|firms?|business(?:es)?|projects?|items?|platforms?|bases?|"
    r"cent(?:re|er)s?|institutions?|times|patents?|products?|households?|cases?|parks?|"
    r"lab(?:oratory|oratories|s)?|measures?|funds?|units?"
)
_EN_PEOPLE = r"people|persons?|individuals|employees|workers|staff|experts|researchers|talents|students"

# Order matters: the first unit that matches wins, so longer units precede their prefixes
# (个百分点 before 个, 平方千米 before 千米, 人民币 before 人, 周岁 before 周).
_UNITS = [
    (re.compile(pattern, re.I), kind, unit, Decimal(factor))
    for pattern, kind, unit, factor in [
        (r"元人民币|元|人民币|块钱", "money", "CNY", 1),
        (r"美元", "money", "USD", 1),
        (r"欧元", "money", "EUR", 1),
        (r"港元|港币", "money", "HKD", 1),
        (rf"(?:yuan|rmb|cny|renminbi){_W}", "money", "CNY", 1),
        (rf"(?:us\s?dollars?|dollars?|usd){_W}", "money", "USD", 1),
        (rf"(?:euros?|eur){_W}", "money", "EUR", 1),
        (rf"hkd{_W}", "money", "HKD", 1),
        (r"个百分点|百分点", "percentage_point", "", 1),
        (rf"percentage points?{_W}", "percentage_point", "", 1),
        (r"%", "percent", "", 1),
        (r"‰", "percent", "", "0.1"),
        (rf"(?:percent|per cent|pct){_W}", "percent", "", 1),
        (r"平方公里|平方千米", "area", "m2", 10**6),
        (rf"km2{_W}|square kilomet(?:re|er)s?{_W}", "area", "m2", 10**6),
        (r"平方米|平米", "area", "m2", 1),
        (rf"m2{_W}|sq\.?\s?m{_W}|square met(?:re|er)s?{_W}", "area", "m2", 1),
        (rf"公顷|hectares?{_W}", "area", "m2", 10**4),
        (rf"亩|mu{_W}", "area", "mu", 1),
        (r"个工作日|工作日", "duration", "工作日", 1),
        (r"个月", "duration", "月", 1),
        (r"个小时|小时", "duration", "小时", 1),
        (r"周岁|岁", "measure", "岁", 1),
        (r"年", "duration", "年", 1),
        (r"天|日", "duration", "日", 1),
        (r"周", "duration", "周", 1),
        (rf"(?:working|business) days?{_W}", "duration", "工作日", 1),
        (rf"years?{_W}", "duration", "年", 1),
        (rf"months?{_W}", "duration", "月", 1),
        (rf"weeks?{_W}", "duration", "周", 1),
        (rf"days?{_W}", "duration", "日", 1),
        (rf"hours?{_W}", "duration", "小时", 1),
        (r"人次", "count", "人次", 1),
        (r"人|名|位", "people", "人", 1),
        (rf"(?:{_EN_PEOPLE}){_W}", "people", "人", 1),
        (r"立方米", "measure", "m3", 1),
        (r"公里|千米", "measure", "km", 1),
        (r"米", "measure", "m", 1),
        (r"吨", "measure", "t", 1),
        (r"千瓦时|度电", "measure", "kWh", 1),
        (r"千瓦", "measure", "kW", 1),
        (r"兆瓦", "measure", "MW", 1),
        (r"公斤|千克", "measure", "kg", 1),
        (rf"(?:tonnes?|tons?){_W}", "measure", "t", 1),
        (rf"(?:km|kilomet(?:re|er)s?){_W}", "measure", "km", 1),
        (rf"kwh{_W}", "measure", "kWh", 1),
        (rf"kw{_W}", "measure", "kW", 1),
        (rf"mw{_W}", "measure", "MW", 1),
        (rf"kg{_W}", "measure", "kg", 1),
        (_COUNTERS, "count", "", 1),  # the counter itself becomes the unit, see _unit_after
        (rf"(?:{_EN_COUNTS}){_W}", "count", "", 1),
    ]
]
_APPROX = re.compile(r"[余多]")

# Spans that hold digits but state no figure.
_MASKS = [
    re.compile(r"[\[【]\s*\d{1,3}(?:\s*[-,、;]\s*\d{1,3})*\s*[\]】]"),  # citation markers
    re.compile(r"[〔\[(]\s*(?:19|20)\d{2}\s*[〕\])]\s*第?\s*\d*\s*号?"),  # 文号 〔2025〕3号
    re.compile(r"第?\s*\d+\s*号"),  # 第20230456号
    re.compile(r"《[^《》]{0,80}》"),  # policy names: 《…（2025—2027年）》
    re.compile(r"(?<![A-Za-z0-9])(?=[\w/-]*[A-Za-z])(?=[\w/-]*\d)[A-Za-z0-9]+(?:[-/_][A-Za-z0-9]+)+"),  # ids
]

_CN_DAY = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
_CN_YEAR = r"\d{4}|[〇零一二三四五六七八九]{4}"
_DATE_SUFFIX = r"(?:底|末|初|上旬|中旬|下旬)?"
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("January", "Jan"),
            ("February", "Feb"),
            ("March", "Mar"),
            ("April", "Apr"),
            ("May",),
            ("June", "Jun"),
            ("July", "Jul"),
            ("August", "Aug"),
            ("September", "Sept", "Sep"),
            ("October", "Oct"),
            ("November", "Nov"),
            ("December", "Dec"),
        ],
        start=1,
    )
    for name in names
}
_MON = "|".join(sorted(_MONTHS, key=len, reverse=True))
# Month names are matched case-sensitively: "may 15 firms" is not a date.
_DATES = [
    re.compile(
        rf"(?<!\d)(?P<y>{_CN_YEAR})\s?年\s?(?P<m>{_CN_DAY})\s?月(?:\s?(?P<d>{_CN_DAY})\s?[日号])?{_DATE_SUFFIX}"
    ),
    re.compile(rf"(?<![\d年])(?P<m>{_CN_DAY})\s?月\s?(?P<d>{_CN_DAY})\s?[日号]"),
    re.compile(rf"(?<![\d.个])(?P<m>\d{{1,2}})\s?月(?!\d){_DATE_SUFFIX}"),
    re.compile(r"(?<![\d.])(?P<y>(?:19|20)\d{2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d.])"),
    re.compile(r"(?<![\d.])(?P<y>(?:19|20)\d{2})[-/](?P<m>0[1-9]|1[0-2])(?![\d])"),
    re.compile(
        rf"(?:the )?(?:end of )?(?P<mon>{_MON})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+"
        r"(?P<y>(?:19|20)\d{2})"
    ),
    re.compile(rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{_MON})\.?,?\s+(?P<y>(?:19|20)\d{{2}})"),
    re.compile(rf"(?:the )?(?:end of )?(?P<mon>{_MON})\.?,?\s+(?P<y>(?:19|20)\d{{2}})(?!\d)"),
    re.compile(rf"(?P<mon>{_MON})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:])"),
]
_RATIO = re.compile(r"(?<![\d.])(?P<a>\d+(?:\.\d+)?)\s?[:∶]\s?(?P<b>\d+(?:\.\d+)?)(?![\d.])")
_PERCENT_WORDS = re.compile(rf"(?P<of>百分之|千分之)(?:(?P<ar>{_AR_NUM})|(?P<cn>{_CN_NUM}))")
_RANGE_GAP = re.compile(r"\s?(?:-|—{1,2}|–|~|至|到)\s?")
_EN_LABEL_BEFORE = re.compile(
    r"(?:article|section|item|clause|paragraph|point|no\.?|number|chapter|part|annex|step|phase|measure)\s*$",
    re.I,
)
_BOUNDARY_BEFORE = set(" \t\n\r。；;:：,，)）]】§")


# --- numerals ------------------------------------------------------------------------------------


def parse_chinese_number(text: str) -> Decimal | None:
    """五百万 → 5000000, 十五 → 15, 一点四亿 → 140000000, 二〇二五 → 2025; None if not a numeral."""
    whole, dot, rest = text.partition("点")
    if not dot:
        value = chinese_integer(whole)
        return None if value is None else Decimal(value)
    fraction = rest.rstrip("万亿")
    scale = rest[len(fraction) :]
    integer = chinese_integer(whole)
    if integer is None or not fraction or any(c not in CN_DIGITS for c in fraction):
        return None
    value = Decimal(f"{integer}.{''.join(str(CN_DIGITS[c]) for c in fraction)}")
    for char in scale:
        value *= CN_BIG_UNITS[char]
    return value


def _numeral(arabic: str | None, chinese: str | None) -> Decimal | None:
    if arabic:
        return Decimal(arabic.replace(",", ""))
    return parse_chinese_number(chinese or "")


# --- extraction ----------------------------------------------------------------------------------


@dataclass
class _Token:
    start: int
    end: int
    number: Decimal
    chinese: bool
    written: str
    currency: str | None = None
    multiplier: Decimal = Decimal(1)
    kind: str | None = None
    unit: str = ""
    unit_factor: Decimal = Decimal(1)
    ordinal: bool = False  # 第N: a label, not a figure


class _Scan:
    """Extraction state over one normalised text: which characters are already accounted for."""

    def __init__(self, text: str) -> None:
        self.original = text
        self.text, self.origin = _normalise(text)
        self.taken = [False] * len(self.text)
        self.figures: list[Figure] = []

    def free(self, start: int, end: int) -> bool:
        return not any(self.taken[start:end])

    def take(self, start: int, end: int) -> None:
        self.taken[start:end] = [True] * (end - start)

    def span(self, start: int, end: int) -> tuple[str, int, int]:
        first, last = self.origin[start], self.origin[end - 1] + 1
        return self.original[first:last], first, last

    def add(
        self,
        start: int,
        end: int,
        kind: str,
        value: Decimal | str,
        unit: str = "",
        number: Decimal | None = None,
    ) -> None:
        text, first, last = self.span(start, end)
        self.figures.append(Figure(text, kind, value, unit, number, first, last))
        self.take(start, end)


def _mask(scan: _Scan) -> None:
    for pattern in _MASKS:
        for match in pattern.finditer(scan.text):
            scan.take(*match.span())


def _date_part(raw: str | None, limit: int) -> int | None:
    if raw is None:
        return None
    value = _MONTHS.get(raw) or (int(raw) if raw.isdigit() else chinese_integer(raw))
    return value if value is not None and 1 <= value <= limit else None


def _scan_dates(scan: _Scan) -> None:
    for pattern in _DATES:
        for match in pattern.finditer(scan.text):
            if not scan.free(*match.span()):
                continue
            groups = match.groupdict()
            year = _date_part(groups.get("y"), 2100)
            month = _date_part(groups.get("m") or groups.get("mon"), 12)
            day = _date_part(groups.get("d"), 31)
            if month is None or ("d" in groups and groups["d"] is not None and day is None):
                continue
            if year is not None and not 1900 <= year <= 2100:
                continue
            value = "-".join("*" if part is None else str(part) for part in (year, month, day))
            scan.add(*match.span(), "date", value)


def _scan_ratios_and_percent_words(scan: _Scan) -> None:
    for match in _RATIO.finditer(scan.text):
        if scan.free(*match.span()):
            a, b = Decimal(match["a"]), Decimal(match["b"])
            scan.add(*match.span(), "ratio", f"{a.normalize()}:{b.normalize()}")
    for match in _PERCENT_WORDS.finditer(scan.text):
        number = _numeral(match["ar"], match["cn"])
        if number is not None and scan.free(*match.span()):
            per = Decimal("0.1") if match["of"] == "千分之" else Decimal(1)
            scan.add(*match.span(), "percent", number * per, number=number)


def _is_label(scan: _Scan, token: _Token) -> bool:
    """Whether the numeral labels something ("第3条", "(1)", "1.", "IPv6"); marks 第N tokens as ordinals
    so that a range such as "第1-3条" is recognised as labels at both ends."""
    text, start, end = scan.text, token.start, token.end
    before = text[max(0, start - 24) : start].rstrip()
    if before.endswith("第") or (token.chinese and before[-1:] in ("数", "几", "若")):
        token.ordinal = before.endswith("第")
        return True
    if token.chinese:
        return False
    if start and (text[start - 1].isascii() and text[start - 1].isalpha()):
        return True  # IPv6, H100
    if _EN_LABEL_BEFORE.search(text[max(0, start - 24) : start]):
        return True
    after = text[end : end + 1]
    if start and text[start - 1] == "(" and after == ")":
        return True  # (1)
    short = len(token.written) <= 2
    if short and after == "、":
        return True  # 1、
    at_boundary = start == 0 or text[start - 1] in _BOUNDARY_BEFORE
    return short and after == "." and at_boundary and bool(re.match(r"\.\s*[\u3400-\u9fffA-Z(]", text[end:]))


def _read_suffix(scan: _Scan, token: _Token) -> None:
    """Multiplier (万, million) and unit (元, %, 家) after the numeral; extends token.end."""
    text, pos = scan.text, token.end
    if approx := _APPROX.match(text, pos):
        pos = approx.end()
    if not token.chinese:
        for pattern, factor in _MULTIPLIERS:
            if match := pattern.match(text, pos):
                token.multiplier, pos = factor, match.end()
                break
        if approx := _APPROX.match(text, pos):
            pos = approx.end()
    space = 1 if text[pos : pos + 1] == " " else 0
    for pattern, kind, unit, factor in _UNITS:
        if match := pattern.match(text, pos + space):
            token.kind, token.unit_factor = kind, factor
            token.unit = unit or (match.group() if re.fullmatch(_COUNTERS, match.group()) else "")
            pos = match.end()
            break
    token.end = pos if (token.kind or token.multiplier != 1) else token.end


def _tokens(scan: _Scan) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _CANDIDATE.finditer(scan.text):
        if not scan.free(*match.span()):
            continue
        number = _numeral(match["ar"], match["cn"])
        if number is None:
            continue
        written = match["ar"] or match["cn"]
        currency = _CURRENCIES.get(match["cur"].strip().lower()) if match["cur"] else None
        token = _Token(match.start(), match.end(), number, bool(match["cn"]), written, currency)
        label = _is_label(scan, token)
        if not label:
            _read_suffix(scan, token)
            if (
                token.kind is None
                and not token.chinese
                and re.match(r"[A-Za-z]", scan.text[token.end : token.end + 1])
            ):
                continue  # 5G, 3D, 2nd
        if label and not token.ordinal:
            continue
        tokens.append(token)
    return tokens


def _spread_ranges(scan: _Scan, tokens: list[_Token]) -> None:
    """ "100—5000万元" means 100万元 to 5000万元; "2025-2027年" two years; "第1-3条" two labels."""
    for left, right in itertools.pairwise(tokens):
        if not _RANGE_GAP.fullmatch(scan.text[left.end : right.start]):
            continue
        if left.ordinal:
            right.ordinal = True
            continue
        if left.kind is None and left.multiplier == 1 and (right.kind or right.multiplier != 1):
            left.kind, left.unit, left.unit_factor = right.kind, right.unit, right.unit_factor
            left.multiplier = right.multiplier
        if left.currency and not right.currency:
            right.currency = left.currency
        if right.currency and not left.currency and left.kind is None:
            left.currency = right.currency


def _is_year(token: _Token) -> bool:
    four_digits = len(token.written) == 4 and (
        token.written.isdigit() or all(char in CN_DIGITS for char in token.written)
    )
    return four_digits and token.multiplier == 1 and 1900 <= token.number <= 2100


def _to_figure(scan: _Scan, token: _Token) -> None:
    if token.ordinal:
        return
    kind, unit = token.kind, token.unit
    value = token.number * token.multiplier * token.unit_factor
    if kind == "duration" and unit == "年" and _is_year(token):
        kind, unit, value = "year", "", token.number
    elif kind is None and token.currency:
        kind, unit = "money", token.currency
    elif kind is None and token.chinese:
        return  # a Chinese numeral without a unit is a word, not a figure
    elif kind is None:
        kind = "year" if _is_year(token) else "plain"
    if kind == "money" and token.currency:
        unit = token.currency if unit == "CNY" or not unit else unit
    if token.chinese and token.number == 1 and kind in ("count", "people", "duration"):
        return  # 一家, 一次性, 一年: idiom far more often than a figure
    scan.add(token.start, token.end, kind, value, unit, token.number)


def extract_figures(text: str) -> list[Figure]:
    """All figures in `text`, in order; spans index the original (un-normalised) text."""
    scan = _Scan(text)
    _mask(scan)
    _scan_dates(scan)
    _scan_ratios_and_percent_words(scan)
    tokens = _tokens(scan)
    _spread_ranges(scan, tokens)
    for token in tokens:
        if scan.free(token.start, token.end):
            _to_figure(scan, token)
    return sorted(scan.figures, key=lambda figure: figure.start)


@lru_cache(maxsize=2048)
def _source_figures(source: str) -> tuple[Figure, ...]:
    return tuple(extract_figures(source))


@lru_cache(maxsize=2048)
def _normalised(source: str) -> str:
    return _normalise(source)[0]


# --- support -------------------------------------------------------------------------------------


def _date_within(claim: str, source: str) -> bool:
    """Every part the claim states (year, month, day) is stated identically by the source."""
    return all(c == "*" or c == s for c, s in zip(claim.split("-"), source.split("-"), strict=True))


def _has_multiplier(figure: Figure) -> bool:
    return figure.number is not None and figure.number != figure.value


def figures_agree(claim: Figure, source: Figure) -> bool:
    """Whether `source` states the figure `claim` states (same canonical value; same unit where known)."""
    if claim.kind == "date":
        return source.kind == "date" and _date_within(str(claim.value), str(source.value))
    if claim.kind == "ratio" or source.kind in ("date", "ratio"):
        return claim.kind == source.kind and claim.value == source.value
    if claim.kind == "year":
        return source.kind in ("year", "plain") and source.value == claim.value
    if claim.kind == "plain":
        return claim.value in (source.value, source.number)
    if source.kind == "plain":
        return _has_multiplier(source) and source.value == claim.value  # 补助400万 supports 400万元
    if claim.value != source.value:
        return False
    if claim.kind == source.kind:
        return claim.unit == source.unit or (claim.kind == "count" and "" in (claim.unit, source.unit))
    # An English count ("10 enterprises") has no counter; it may stand for 10家 or 10人.
    kinds = {claim.kind, source.kind}
    unknown = (claim.kind == "count" and not claim.unit) or (source.kind == "count" and not source.unit)
    return kinds == {"count", "people"} and unknown


def _year_in(year: Decimal | str, source: str) -> bool:
    return re.search(rf"(?<!\d){year}(?!\d)", _normalised(source)) is not None


def figure_supported(figure: Figure, sources: Sequence[str]) -> bool:
    """True when some source states the same figure (same canonical value and, where known, unit)."""
    for source in sources:
        if any(figures_agree(figure, other) for other in _source_figures(source)):
            return True
        if figure.kind == "year" and _year_in(figure.value, source):
            return True
    return False


def unsupported_figures(text: str, sources: Sequence[str]) -> list[Figure]:
    """The figures of `text` that no source supports."""
    return [figure for figure in extract_figures(text) if not figure_supported(figure, sources)]


def figure_key(figure: Figure) -> tuple[str, str, str]:
    """A hashable identity for comparing figures across texts (kind, unit, canonical value)."""
    value = figure.value.normalize() if isinstance(figure.value, Decimal) else figure.value
    return figure.kind, figure.unit, str(value)


__all__ = [
    "KINDS",
    "Figure",
    "extract_figures",
    "figure_key",
    "figure_supported",
    "figures_agree",
    "parse_chinese_number",
    "unsupported_figures",
]
