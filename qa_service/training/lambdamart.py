"""Fitting a LambdaMART model (LightGBM) on query groups: a few sizes tried on train, the one with the
best dev figure kept. Shared by the clause reranker and the lead-span model."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# Model sizes tried; the dev split chooses. Small on purpose: a few hundred questions.
GRID: tuple[dict[str, Any], ...] = (
    {"num_leaves": 7, "n_estimators": 150, "learning_rate": 0.05, "min_child_samples": 20},
    {"num_leaves": 15, "n_estimators": 150, "learning_rate": 0.05, "min_child_samples": 20},
    {"num_leaves": 15, "n_estimators": 400, "learning_rate": 0.03, "min_child_samples": 10},
    {"num_leaves": 31, "n_estimators": 300, "learning_rate": 0.05, "min_child_samples": 10},
)


@dataclass
class Groups:
    """Features, graded labels and group sizes of the questions that have a relevant candidate."""

    features: np.ndarray
    labels: np.ndarray
    sizes: list[int]
    questions: int  # questions seen, with or without a relevant candidate


def stack(features: list[np.ndarray], labels: list[np.ndarray], questions: int, width: int) -> Groups:
    if not features:
        return Groups(np.zeros((0, width), dtype=np.float32), np.zeros(0, dtype=int), [], questions)
    return Groups(np.vstack(features), np.concatenate(labels), [len(x) for x in labels], questions)


def fit_best(
    train: Groups,
    dev: Groups,
    feature_names: Sequence[str],
    dev_metric: Callable[[Groups, np.ndarray], dict[str, float]],
    key: str,
    seed: int,
) -> tuple[Any, dict[str, Any]]:
    """(the chosen model, a report of every size's dev figures); ties go to the earlier, smaller size."""
    import lightgbm

    if not train.sizes or not dev.sizes:
        raise ValueError("the train and dev splits need questions with a relevant candidate")
    grid, best = [], None
    for index, params in enumerate(GRID):
        model = lightgbm.LGBMRanker(
            objective="lambdarank",
            random_state=seed,
            deterministic=True,
            force_row_wise=True,
            n_jobs=1,
            verbose=-1,
            **params,
        )
        model.fit(train.features, train.labels, group=train.sizes, feature_name=list(feature_names))
        figures = dev_metric(dev, model.predict(dev.features))
        grid.append({"params": params, "dev": figures})
        if best is None or figures[key] > best[0]:
            best = (figures[key], index, model)
    assert best is not None
    return best[2], {"grid": grid, "chosen": grid[best[1]]}


def save(model: Any, report: dict[str, Any], out: Path) -> None:
    """The model as LightGBM text at `out` (no pickle), its report beside it as `out`.json."""
    out.parent.mkdir(parents=True, exist_ok=True)
    model.booster_.save_model(str(out))
    out.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


__all__ = ["GRID", "Groups", "fit_best", "save", "stack"]
