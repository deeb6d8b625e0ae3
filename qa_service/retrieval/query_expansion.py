"""Spells out the abbreviations business owners use ("技改" for 技术改造) before retrieval.

The lexicon is a data file beside this module, so it grows without code changes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from qa_service.ingest.normalize import normalize_for_matching

LEXICON = Path(__file__).with_name("data") / "policy_abbreviations.tsv"


@lru_cache(maxsize=1)
def _lexicon() -> tuple[tuple[str, str], ...]:
    entries = []
    for line in LEXICON.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        abbreviation, _, expansion = line.partition("\t")
        entries.append((normalize_for_matching(abbreviation), expansion.strip()))
    return tuple(entries)


def expand_query(query: str) -> str:
    """The query followed by the full forms of the abbreviations it uses (the query itself kept)."""
    norm = normalize_for_matching(query)
    expansions = [expansion for abbreviation, expansion in _lexicon() if abbreviation in norm]
    return " ".join([query, *expansions]) if expansions else query
