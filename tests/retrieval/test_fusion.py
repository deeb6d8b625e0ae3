import pytest

from qa_service.retrieval.fusion import reciprocal_rank_fusion, weighted_fusion


def test_rrf_rewards_items_ranked_well_by_both() -> None:
    scores = reciprocal_rank_fusion([[1, 2, 3], [3, 1, 4]], weights=[1.0, 1.0], k=60)
    assert scores[1] == pytest.approx(1 / 61 + 1 / 62)
    assert max(scores, key=scores.get) == 1
    assert scores[4] == pytest.approx(1 / 63)


def test_weighted_fusion_normalises_each_ranking() -> None:
    fused = weighted_fusion([{1: 0.9, 2: 0.5}, {2: 30.0, 3: 10.0}], weights=[1.0, 2.0])
    assert fused == {1: 1.0, 2: 2.0, 3: 0.0}
