"""`qa train refusal`: the refusal classifier learned from the train split, its threshold set on dev.

Every gold question goes through the /ask pipeline (extractive, no classifier) so that the evidence
features are exactly those the service computes at run time (answering/refusal.py
`evidence_features`). A logistic regression on the standardised features of the train split predicts
"answerable"; on dev, the threshold is the highest one whose total false refusal — the questions
the form, subject and scope gates refuse before the classifier included — stays at or under
MAX_FALSE_REFUSAL. The test split is never read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa_service.answering.refusal import GATES, REFUSAL_FEATURES, RefusalModel
from qa_service.evaluation.dataset import EvalItem
from qa_service.services.answer import AnswerService, AskRequest

MAX_FALSE_REFUSAL = 0.05
_GATES = (*GATES, "out_of_scope")


@dataclass
class Observations:
    features: np.ndarray  # questions that reached the classifier
    answerable: np.ndarray
    gated_answerable: int  # answerable questions refused before the classifier
    gated_unanswerable: int
    total_answerable: int
    total_unanswerable: int


def observe(service: AnswerService, items: Sequence[EvalItem]) -> Observations:
    rows, labels = [], []
    gated = {True: 0, False: 0}
    for item in items:
        history = list(item.history)
        result = service.ask(AskRequest(item.question, mode="extractive", history=history))
        evidence = result.evidence
        if evidence is not None and evidence.reason in _GATES:
            gated[item.answerable] += 1
            continue
        features = evidence.features if evidence is not None else {}
        rows.append([features.get(name, 0.0) for name in REFUSAL_FEATURES])
        labels.append(item.answerable)
    answerable = sum(item.answerable for item in items)
    return Observations(
        np.asarray(rows, dtype=float).reshape(-1, len(REFUSAL_FEATURES)),
        np.asarray(labels, dtype=bool),
        gated[True],
        gated[False],
        answerable,
        len(items) - answerable,
    )


def choose_threshold(probabilities: np.ndarray, observed: Observations) -> tuple[float, dict[str, float]]:
    """The highest threshold keeping total false refusal ≤ MAX_FALSE_REFUSAL on these observations."""
    budget = int(np.floor(MAX_FALSE_REFUSAL * observed.total_answerable)) - observed.gated_answerable
    answerable = np.sort(probabilities[observed.answerable])
    # Refusing below t refuses every answerable question with p < t: the (budget+1)-th lowest bounds t.
    if budget < 0 or not answerable.size:
        threshold = 0.0
    elif budget >= answerable.size:
        threshold = 1.0
    else:
        threshold = float(answerable[budget])
    refused_unanswerable = int((probabilities[~observed.answerable] < threshold).sum())
    refused_answerable = int((probabilities[observed.answerable] < threshold).sum())
    figures = {
        "false_refusal": (refused_answerable + observed.gated_answerable) / max(1, observed.total_answerable),
        "refusal_on_unanswerable": (refused_unanswerable + observed.gated_unanswerable)
        / max(1, observed.total_unanswerable),
    }
    return threshold, figures


def train_refusal(
    service: AnswerService, train: Sequence[EvalItem], dev: Sequence[EvalItem], out: Path, *, seed: int = 0
) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    train_obs, dev_obs = observe(service, train), observe(service, dev)
    if len(set(train_obs.answerable.tolist())) < 2:
        raise ValueError("the train split needs answerable and unanswerable questions past the gates")
    scaler = StandardScaler().fit(train_obs.features)
    classifier = LogisticRegression(C=1.0, class_weight="balanced", random_state=seed, max_iter=1000)
    classifier.fit(scaler.transform(train_obs.features), train_obs.answerable)
    model = RefusalModel(
        tuple(float(c) for c in classifier.coef_[0]),
        float(classifier.intercept_[0]),
        tuple(float(m) for m in scaler.mean_),
        tuple(float(s) for s in scaler.scale_),
        0.5,
    )
    dev_probabilities = classifier.predict_proba(scaler.transform(dev_obs.features))[:, 1]
    threshold, dev_figures = choose_threshold(dev_probabilities, dev_obs)
    model = RefusalModel(model.coefficients, model.intercept, model.mean, model.scale, threshold)
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        **model.to_dict(),
        "seed": seed,
        "max_false_refusal": MAX_FALSE_REFUSAL,
        "train_questions": len(train),
        "dev_questions": len(dev),
        "dev_at_threshold": dev_figures,
        "weights": dict(zip(REFUSAL_FEATURES, model.coefficients, strict=True)),
    }
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return report


__all__ = ["MAX_FALSE_REFUSAL", "choose_threshold", "observe", "train_refusal"]
