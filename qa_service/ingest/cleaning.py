"""Removes web-scrape furniture from policy pages while keeping every line of policy text.

Works line by line on the matching form (simplified, NFKC) so one vocabulary serves pages in
either script; the returned lines keep the source's own script.
"""

from __future__ import annotations

import re
from collections import Counter

from qa_service.ingest.normalize import normalize_for_matching, normalize_spaces, strip_pinyin

# Page furniture: exact short lines (after normalisation) that are never policy text.
# fmt: off
FURNITURE_LINES = frozenset((
    "页面", "配色", "辅助线", "重置", "无障碍", "支持ipv6", "简体版|繁体版", "简体版", "繁体版",
    "打印", "关闭", "关闭窗口", "收藏", "分享", "分享到", "微信", "微博", "空间", "qq", "头条",
    "返回顶部", "上一篇", "下一篇", "上一页", "下一页", "首页", "尾页", "末页", ">", "文件下载:",
    "关联文件:", "相关文件:", "附件下载:", "扫一扫", "访问次数:", "信息来源:", "字号", "大", "中",
    "小", "【字体:", "当前所在位置:", "当前位置:", "您的位置:", "您当前的位置:", "【打印】",
    "【关闭】", "联系我们", "网站地图",
))
# fmt: on
# Furniture that carries a value after it, or breadcrumbs such as "当前位置:首页 > 政府信息公开".
FURNITURE_PATTERNS = (
    re.compile(r"^(当前|您的|您当前的)(所在)?位置[:：]"),
    re.compile(r"^(分享|分享到)[:：]?\s*(微信|微博|qq|空间|头条|\s)*$"),
    re.compile(r"^(微信|微博|qq|空间|头条)(\s+(微信|微博|qq|空间|头条))*$"),
    re.compile(r"^【?字体[:：]"),
    re.compile(r"^(访问次数|浏览次数|点击数|阅读次数)[:：]?\s*\d*$"),
    re.compile(r"^(共\s*\d+\s*页|第\s*\d+\s*页)"),
    re.compile(r"^\d{1,3}$"),  # pagination and day-of-month fragments of listing pages
    re.compile(r"^[>»/|\s]+$"),
    re.compile(r"^[>»]\s*\S{1,10}$"),  # breadcrumb tail split onto its own line
)
# SEO spam injected into scraped pages: a line needs several of these to be dropped.
SPAM_TERMS = ("国产", "精品", "乱码", "在线观看", "视频", "成人", "毛片", "一区二区", "三级", "无码", "高清")
SPAM_MIN_TERMS = 3
# A short line repeated on a page is a menu entry (navigation bars repeat at top and bottom).
MENU_MAX_CHARS = 8
_SENTENCE_PUNCT = re.compile(r"[。；;！？!?，,、：:（）()《》“”]")


def is_spam(norm_line: str) -> bool:
    return sum(term in norm_line for term in SPAM_TERMS) >= SPAM_MIN_TERMS


def is_furniture(norm_line: str) -> bool:
    compact_line = norm_line.replace(" ", "")
    if norm_line in FURNITURE_LINES or compact_line in FURNITURE_LINES:
        return True
    return any(pattern.search(norm_line) for pattern in FURNITURE_PATTERNS)


def is_menu_entry(norm_line: str, repeats: int) -> bool:
    return repeats > 1 and len(norm_line) <= MENU_MAX_CHARS and not _SENTENCE_PUNCT.search(norm_line)


def clean_text(text: str) -> str:
    """Cleaned display text: pinyin damage and page furniture removed, spaces normalised."""
    text = normalize_spaces(strip_pinyin(text.replace("\r\n", "\n").replace("\r", "\n")))
    lines = [line.strip() for line in text.split("\n")]
    norm_lines = [normalize_for_matching(line) for line in lines]
    repeats = Counter(norm_lines)
    kept: list[str] = []
    for line, norm in zip(lines, norm_lines, strict=True):
        if not norm:
            continue
        if is_spam(norm) or is_furniture(norm) or is_menu_entry(norm, repeats[norm]):
            continue
        kept.append(re.sub(r"[ \t]+", " ", line))
    return "\n".join(kept)
