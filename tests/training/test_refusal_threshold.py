import numpy as np

from qa_service.training.refusal import Observations, choose_threshold


def _observations(answerable: list[bool], gated_answerable: int = 0) -> Observations:
    labels = np.array(answerable)
    return Observations(
        features=np.zeros((len(labels), 1)),
        answerable=labels,
        gated_answerable=gated_answerable,
        gated_unanswerable=0,
        total_answerable=int(labels.sum()) + gated_answerable,
        total_unanswerable=int((~labels).sum()),
    )


def test_threshold_keeps_false_refusal_within_budget() -> None:
    # 40 answerable (p from 0.30 up), 10 unanswerable (p low): 5% of 40 allows 2 false refusals.
    answerable = [True] * 40 + [False] * 10
    probabilities = np.concatenate([np.linspace(0.3, 0.99, 40), np.linspace(0.01, 0.5, 10)])
    threshold, figures = choose_threshold(probabilities, _observations(answerable))
    assert figures["false_refusal"] <= 0.05
    assert figures["refusal_on_unanswerable"] >= 0.5
    assert threshold > 0.3


def test_gated_false_refusals_use_up_the_budget() -> None:
    answerable = [True] * 40 + [False] * 10
    probabilities = np.concatenate([np.linspace(0.3, 0.99, 40), np.linspace(0.01, 0.5, 10)])
    threshold, figures = choose_threshold(probabilities, _observations(answerable, gated_answerable=3))
    assert threshold == 0.0
    assert figures["false_refusal"] == 3 / 43
