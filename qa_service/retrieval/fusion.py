"""Combines the dense and lexical rankings into one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], weights: Sequence[float], k: int
) -> dict[int, float]:
    """score(id) = Σ weight / (k + rank), ranks from 1."""
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return scores


def _min_max(scores: Mapping[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {item: (score - low) / span if span > 0 else 1.0 for item, score in scores.items()}


def weighted_fusion(score_maps: Sequence[Mapping[int, float]], weights: Sequence[float]) -> dict[int, float]:
    """Weighted sum of min-max normalised scores; an id missing from a ranking scores 0 there."""
    fused: dict[int, float] = {}
    for score_map, weight in zip(score_maps, weights, strict=True):
        for item, score in _min_max(score_map).items():
            fused[item] = fused.get(item, 0.0) + weight * score
    return fused
