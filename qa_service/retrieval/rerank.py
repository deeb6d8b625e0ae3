"""The learned reranker: the fused candidates re-ordered by a LightGBM LambdaMART model over features
of the question, the clause and its document.

Fusion ranks by two scores; the reranker also reads what fusion cannot: whether the clause states
the kind of figure asked for, whether its document is about the place and level the question names,
whether the question's words sit in the clause or only in its title, how deep and how long the
clause is. The model is trained on the train split of the gold set (`qa train ranker`, see
qa_service/training/ranker.py) and ships in retrieval/data/ranker.txt; `QA_RERANKER=none` turns it off.
"""

from __future__ import annotations

import importlib.resources
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from qa_service.answering.citations import char_bigrams
from qa_service.answering.numbers import extract_figures
from qa_service.answering.places import Place, covers_place, levels_in, places_in, province_of_number
from qa_service.answering.question import QuestionAnalysis
from qa_service.ingest.models import Chunk, DocumentMeta
from qa_service.ingest.normalize import to_simplified

DEFAULT_MODEL = "ranker.txt"
_MISSING_RANK = 100  # a candidate one retriever did not return at all
_NATIONAL = re.compile(r"中华人民共和国|国务院|全国人民代表大会|最高人民法院|最高人民检察院|部令|总局")
_FURNITURE = re.compile(r"附件[:：\d]|联系人|联系电话|抄送|印发|(?:19|20)\d{2}年\d{1,2}月\d{1,2}日\s*$")

FEATURES = (
    "fused_rank",
    "fused_score_ratio",
    "dense_score",
    "dense_gap",
    "dense_rank",
    "lexical_rank",
    "lexical_score_ratio",
    "coverage_text",
    "coverage_weighted",
    "coverage_title",
    "coverage_path",
    "number_in_question",
    "question_has_place",
    "place_match",
    "place_mismatch",
    "document_national",
    "question_has_level",
    "level_match",
    "level_other",
    "asks_figure",
    "figure_match",
    "figures",
    "asks_year",
    "year_match",
    "clause_depth",
    "chunk_position",
    "chunk_chars_log",
    "furniture",
    "document_candidates",
    "document_best_rank",
    "english",
)


@dataclass(frozen=True)
class DocumentScope:
    """The places a document speaks for (none for a national law) and whether it is national."""

    places: frozenset[Place]
    national: bool


def document_scope(document: DocumentMeta, first_text: str = "") -> DocumentScope:
    """From the title, issuer and number (桂… is Guangxi); a document naming no place in them is
    national when its issuer or title says so, else the first words of its body decide."""
    head = " ".join(part for part in (document.title, document.issuer or "") if part)
    places = set(places_in(head))
    from_number = province_of_number(document.number)
    if from_number is not None:
        places.add(from_number)
    national = not places and bool(_NATIONAL.search(to_simplified(head)))
    if not places and not national:
        places = set(places_in(first_text[:300]))
    return DocumentScope(frozenset(places), national)


@dataclass(frozen=True)
class Candidate:
    """One fused candidate as the reranker sees it."""

    chunk: Chunk
    document: DocumentMeta
    scope: DocumentScope
    fused_score: float
    dense_rank: int | None
    dense_score: float | None
    lexical_rank: int | None
    lexical_score: float | None
    position: float  # the chunk's place in its document, 0 (first) to 1 (last)


def _share(wanted: frozenset[str], text: str) -> float:
    return len(wanted & char_bigrams(text)) / len(wanted) if wanted else 0.0


def candidate_features(analysis: QuestionAnalysis, candidates: Sequence[Candidate]) -> np.ndarray:
    """One row of FEATURES per candidate (candidates in fused order, best first)."""
    if not candidates:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    wanted = analysis.bigrams
    texts = [to_simplified(candidate.chunk.text) for candidate in candidates]
    # IDF over the candidates: a word every candidate holds ("企业") tells them apart less.
    frequency = Counter(bigram for text in texts for bigram in char_bigrams(text) & wanted)
    weights = {bigram: math.log(1 + len(texts) / count) for bigram, count in frequency.items()}
    total_weight = sum(weights.values())
    best_fused = max(candidate.fused_score for candidate in candidates) or 1.0
    dense_scores = [c.dense_score for c in candidates if c.dense_score is not None]
    best_dense = max(dense_scores) if dense_scores else 0.0
    lexical_scores = [c.lexical_score for c in candidates if c.lexical_score is not None]
    best_lexical = max(lexical_scores) if lexical_scores else 1.0
    per_document = Counter(candidate.chunk.doc_id for candidate in candidates)
    best_rank: dict[str, int] = {}
    for rank, candidate in enumerate(candidates, start=1):
        best_rank.setdefault(candidate.chunk.doc_id, rank)
    question = to_simplified(analysis.text)
    rows = []
    for rank, (candidate, text) in enumerate(zip(candidates, texts, strict=True), start=1):
        document, scope = candidate.document, candidate.scope
        bigrams = char_bigrams(text)
        weighted = sum(weights[b] for b in bigrams & weights.keys()) / total_weight if total_weight else 0.0
        place_match = any(covers_place(place, scope.places) for place in analysis.places)
        place_mismatch = bool(analysis.places) and bool(scope.places) and not place_match
        clause_levels = levels_in(text)
        figures = extract_figures(candidate.chunk.text)
        kinds = {figure.kind for figure in figures}
        number = to_simplified(document.number or "")
        year_text = f"{text} {document.title} {document.date or ''}"
        rows.append(
            [
                rank,
                candidate.fused_score / best_fused,
                candidate.dense_score or 0.0,
                best_dense - (candidate.dense_score or 0.0),
                candidate.dense_rank or _MISSING_RANK,
                candidate.lexical_rank or _MISSING_RANK,
                (candidate.lexical_score or 0.0) / (best_lexical or 1.0),
                _share(wanted, text),
                weighted,
                _share(wanted, to_simplified(document.title)),
                _share(wanted, to_simplified(candidate.chunk.clause_ref)),
                float(bool(number) and number in question),
                float(bool(analysis.places)),
                float(place_match),
                float(place_mismatch),
                float(scope.national),
                float(bool(analysis.levels)),
                float(bool(analysis.levels & clause_levels)),
                float(bool(clause_levels - analysis.levels) and not analysis.levels & clause_levels),
                float(bool(analysis.figure)),
                float(bool(analysis.figure.kinds & kinds)),
                min(len(figures), 10),
                float(bool(analysis.years)),
                float(any(year in year_text for year in analysis.years)),
                len(candidate.chunk.clause_path),
                candidate.position,
                math.log1p(len(candidate.chunk.text)),
                float(bool(_FURNITURE.search(candidate.chunk.text))),
                per_document[candidate.chunk.doc_id],
                best_rank[candidate.chunk.doc_id],
                float(analysis.lang == "en"),
            ]
        )
    return np.asarray(rows, dtype=np.float32)


class Reranker(Protocol):
    """Scores fused candidates; higher is better."""

    name: str

    def score(self, analysis: QuestionAnalysis, candidates: Sequence[Candidate]) -> np.ndarray: ...


class LightGBMReranker:
    """A LambdaMART model saved by LightGBM as text (small, no pickle), read with its Booster."""

    def __init__(self, model_file: Path) -> None:
        import lightgbm

        self.name = model_file.name
        self._booster = lightgbm.Booster(model_file=str(model_file))
        names = tuple(self._booster.feature_name())
        if names != FEATURES:
            raise ValueError(
                f"{model_file} was trained on other features than this version computes: retrain it "
                "with `qa train ranker` or set QA_RERANKER=none"
            )

    def score(self, analysis: QuestionAnalysis, candidates: Sequence[Candidate]) -> np.ndarray:
        if not candidates:
            return np.zeros(0)
        return np.asarray(self._booster.predict(candidate_features(analysis, candidates), num_threads=1))


def packaged_model() -> Path:
    return Path(str(importlib.resources.files("qa_service.retrieval") / "data" / DEFAULT_MODEL))


@lru_cache(maxsize=4)
def load_reranker(kind: str, path: str = "") -> Reranker | None:
    """The reranker the settings name ("lightgbm" with an empty path: the packaged model), or None."""
    if kind == "none":
        return None
    model_file = Path(path) if path else packaged_model()
    if not model_file.is_file():
        return None  # a checkout before the first `qa train ranker`: fusion order stands
    return LightGBMReranker(model_file)


__all__ = [
    "FEATURES",
    "Candidate",
    "DocumentScope",
    "LightGBMReranker",
    "Reranker",
    "candidate_features",
    "document_scope",
    "load_reranker",
    "packaged_model",
]
